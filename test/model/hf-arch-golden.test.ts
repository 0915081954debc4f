// Every architecture against an independent PyTorch reading of the same hub-layout files
// (bench/reference/hf_arch_torch.py, float64): logits within 1e-4 of the largest logit, and greedy tokens
// equal, generated here batched with left padding and a KV cache, there one prompt at a time without.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { longTensor, tidy, liveTensorCount } from "../../src/torch/index.ts";
import { loadModel, type WeightDType } from "../../src/model/load-model.ts";
import { generateIds } from "../../src/model/generate.ts";
import type { CausalLM } from "../../src/model/causal-lm.ts";
import { writeHubCheckpoint, type HubArch, type HubOptions } from "./hub-checkpoints.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REFERENCE = join(root, "bench", "reference", "hf_arch_torch.py");
const PYTHON = "/usr/bin/python3";
const REL_TOL = 1e-4;
const GREEDY = 8;

function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : `${PYTHON} has no torch (apt-get install python3-torch)`;
}
const skip = torchMissing();

/** Token ids that look like text: a fixed pattern, different per row. */
function ids(V: number, B: number, T: number, salt: number): number[][] {
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, i) => (salt * 7 + 13 * b + 5 * i + i * i * (b + 1)) % V),
  );
}

/** A fake tokenizer: these checks speak in ids only. */
const IDS_ONLY = { vocabSize: 0, eosId: -1, padId: 0, encode: () => [], decode: (x: readonly number[]) => x.join(" ") };

function ourLogits(model: CausalLM, batch: number[][]): Float32Array {
  return tidy(
    () => model.forward(longTensor(batch.flat(), [batch.length, batch[0].length])).logits!.dataSync() as Float32Array,
  );
}

function reference(dir: string, spec: object): { logits: number[][][]; greedy: number[][] } {
  const path = join(dir, "spec.json");
  writeFileSync(path, JSON.stringify(spec));
  const r = spawnSync(PYTHON, [REFERENCE, dir, path], { encoding: "utf8", maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function assertClose(got: Float32Array, want: number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} vs ${want.length} logits`);
  let worst = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  assert.ok(scale > 0.5, `${what}: logits are not trivially small (${scale})`);
  assert.ok(
    worst <= REL_TOL * scale,
    `${what}: max |diff| ${worst.toExponential(2)} > ${REL_TOL} x largest logit ${scale.toFixed(3)}`,
  );
}

interface Case {
  arch: HubArch;
  opts: HubOptions;
  T: number;
  dtype?: WeightDType;
}
const CASES: Case[] = [
  { arch: "gpt2", opts: {}, T: 12 },
  { arch: "gpt2", opts: { prefix: true, tied: false, shards: 2 }, T: 12 },
  { arch: "gpt2", opts: { config: { activation_function: "gelu" } }, T: 10 },
  { arch: "gpt2", opts: { dtype: "F16" }, T: 10 },
  { arch: "mistral", opts: { dtype: "F16" }, T: 16, dtype: "f16" },
  { arch: "llama", opts: { tied: false }, T: 14 },
  { arch: "llama", opts: { tied: true, shards: 3, config: { rope_scaling: null, num_key_value_heads: 4 } }, T: 14 },
  { arch: "llama", opts: { dtype: "BF16", shards: 2 }, T: 14 },
  { arch: "llama", opts: { dtype: "BF16" }, T: 14, dtype: "bf16" },
  { arch: "qwen2", opts: {}, T: 12 },
  { arch: "qwen2", opts: { dtype: "BF16", tied: false }, T: 12, dtype: "bf16" },
  { arch: "mistral", opts: {}, T: 20 },
];

for (const c of CASES) {
  const label = `${c.arch} ${JSON.stringify(c.opts)}${c.dtype ? ` loaded as ${c.dtype}` : ""}`;
  test(`${label}: logits and greedy tokens equal the PyTorch reference`, { skip: skip ?? false }, () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-golden-"));
    try {
      const config = writeHubCheckpoint(dir, c.arch, c.opts);
      const V = config.vocab_size as number;
      const batch = ids(V, 2, c.T, c.T);
      const prompts = [batch[0].slice(0, 5), batch[1], batch[0].slice(0, 9)];
      const ref = reference(dir, { ids: batch, prompts, greedy: GREEDY });
      const before = liveTensorCount();
      const { model } = loadModel(dir, { dtype: c.dtype });
      try {
        assert.equal(model.arch, c.arch);
        assertClose(ourLogits(model, batch), ref.logits.flat(2), label);
        const gens = generateIds(model, IDS_ONLY, prompts, { maxTokens: GREEDY, temperature: 0, seed: 0 });
        assert.deepEqual(
          gens.map((g) => g.ids),
          ref.greedy,
          `${label}: greedy tokens`,
        );
      } finally {
        model.dispose();
      }
      assert.equal(liveTensorCount(), before, "no tensors leaked");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
