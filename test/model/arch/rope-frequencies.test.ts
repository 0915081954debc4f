// The rope types against hand-computed inverse frequencies (small cases, no PyTorch needed), then against an
// independent PyTorch reading from the published formulas (bench/reference/hf_arch_torch.py, float64): the
// inverse frequencies, yarn's attention scaling and a tiny model's logits, in both config layouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ropeFrequencies, type RopeScaling } from "../../../src/model/arch/rope-frequencies.ts";
import { loadModel } from "../../../src/model/load-model.ts";
import { longTensor, tidy } from "../../../src/torch/index.ts";
import type { LlamaConfig } from "../../../src/model/arch/llama-config.ts";
import { writeHubCheckpoint, type HubArch } from "../hub-checkpoints.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const REFERENCE = join(root, "bench", "reference", "hf_arch_torch.py");
const PYTHON = "/usr/bin/python3";

function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : `${PYTHON} has no torch (apt-get install python3-torch)`;
}
const skip = torchMissing();

function close(got: ArrayLike<number>, want: number[], rel: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) <= rel * Math.abs(want[i]) + 1e-12, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test("hand-computed inverse frequencies of a head of 4 (theta 100: 1 and 1/10) under each rope type", () => {
  const f = (s: RopeScaling | null, seqLen = 0) => Array.from(ropeFrequencies(4, 100, s, seqLen).invFreq);
  close(f(null), [1, 0.1], 1e-7, "default");
  close(f({ type: "linear", factor: 2 }), [0.5, 0.05], 1e-7, "linear: / factor");
  // dynamic: theta' = 100 (2 * 16 / 8 - 1)^(4 / 2) = 900 at 16 tokens of 8 trained; unchanged up to 8.
  close(f({ type: "dynamic", factor: 2, maxPositions: 8 }, 8), [1, 0.1], 1e-7, "dynamic within the context");
  close(f({ type: "dynamic", factor: 2, maxPositions: 8 }, 16), [1, 1 / 30], 1e-6, "dynamic at twice the context");
  // llama3, context 32, factors 1 and 4: wavelengths 2 pi (< 32 / 4: kept) and 20 pi (> 32: / 8).
  close(
    f({ type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 32 }),
    [1, 0.0125],
    1e-7,
    "llama3",
  );
  // context 80: 20 pi lies between 80 / 4 and 80, blended with smooth = (80 / (20 pi) - 1) / 3.
  const smooth = (4 / Math.PI - 1) / 3;
  close(
    f({ type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 80 }),
    [1, (1 - smooth) * 0.0125 + smooth * 0.1],
    1e-6,
    "llama3 blend",
  );
});

test("hand-computed yarn: head of 8, theta 10000, factor 4 over 64 positions", () => {
  // Correction dims: 8 ln(64 / (32 * 2 pi)) / (2 ln 10000) = -0.50 -> floor 0; 8 ln(64 / 2 pi) / (2 ln 10000) = 1.01 -> ceil 2.
  // Ramp over i = 0..3: 0, 0.5, 1, 1 (0 keeps 1 / theta^(2i/8), 1 divides it by 4); cos/sin scaled by 0.1 ln 4 + 1.
  const yarn: RopeScaling = {
    type: "yarn",
    factor: 4,
    originalContext: 64,
    betaFast: 32,
    betaSlow: 1,
    attentionFactor: 0.1 * Math.log(4) + 1,
    truncate: true,
  };
  const r = ropeFrequencies(8, 10000, yarn);
  close(r.invFreq, [1, 0.5 * 0.1 + 0.5 * 0.025, 0.0025, 0.00025], 1e-6, "yarn");
  assert.equal(r.attentionScaling, 0.1 * Math.log(4) + 1);
});

function reference(dir: string, spec: object): { logits: number[][][]; inv_freq: number[]; attention_scaling: number } {
  const path = join(dir, "spec.json");
  writeFileSync(path, JSON.stringify(spec));
  const r = spawnSync(PYTHON, [REFERENCE, dir, path], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** One rope setting in the older layout (top level) and as transformers 5 writes it (rope_parameters). */
function layouts(theta: number, scaling: Record<string, unknown>): [string, Record<string, unknown>][] {
  const { rope_type, ...rest } = scaling;
  return [
    ["rope_theta + rope_scaling", { rope_theta: theta, rope_scaling: { type: rope_type, ...rest } }],
    [
      "rope_parameters",
      { rope_theta: undefined, rope_scaling: undefined, rope_parameters: { rope_theta: theta, rope_type, ...rest } },
    ],
  ];
}

const CASES: [HubArch, Record<string, unknown>][] = [
  ["llama", { rope_type: "linear", factor: 4 }],
  ["llama", { rope_type: "dynamic", factor: 2 }],
  ["qwen2", { rope_type: "yarn", factor: 4, original_max_position_embeddings: 16 }], // as Qwen2.5 ships it
  [
    "llama",
    {
      rope_type: "yarn",
      factor: 8,
      original_max_position_embeddings: 8,
      beta_fast: 16,
      beta_slow: 2,
      mscale: 1,
      mscale_all_dim: 0.5,
      truncate: false,
    },
  ],
  ["mistral", { rope_type: "yarn", factor: 3, attention_factor: 1.3 }],
  [
    "llama",
    { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 },
  ],
];

for (const [arch, scaling] of CASES) {
  for (const [layout, config] of layouts(10000, scaling)) {
    const label = `${arch} ${JSON.stringify(scaling)} in ${layout}`;
    test(
      `${label}: inv_freq, attention scaling and logits equal the PyTorch reference`,
      { skip: skip ?? false },
      (t) => {
        const dir = mkdtempSync(join(tmpdir(), "rope-"));
        try {
          const cfg = writeHubCheckpoint(dir, arch, { seed: 3, config });
          const T = 40,
            ids = [Array.from({ length: T }, (_, i) => (7 * i + i * i) % (cfg.vocab_size as number))];
          const ref = reference(dir, { ids, prompts: [], greedy: 0, rope_seq_len: 128 });
          const { model, config: c } = loadModel(dir, { warn: (m) => assert.fail(m) });
          try {
            const lc = c as LlamaConfig;
            assert.equal(lc.ropeScaling?.type, scaling.rope_type);
            const ours = ropeFrequencies(lc.headDim, lc.ropeTheta, lc.ropeScaling, 128);
            close(ours.invFreq, ref.inv_freq, 1e-6, `${label} inv_freq`);
            assert.ok(
              Math.abs(ours.attentionScaling - ref.attention_scaling) < 1e-12,
              `${label} attention scaling ${ours.attentionScaling} vs ${ref.attention_scaling}`,
            );
            const got = tidy(() => model.forward(longTensor(ids.flat(), [1, T])).logits!.dataSync() as Float32Array);
            const want = ref.logits.flat(2);
            const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
            const worst = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i])), 0);
            const invErr = ref.inv_freq.reduce((m, x, i) => Math.max(m, Math.abs(ours.invFreq[i] - x) / x), 0);
            t.diagnostic(
              `${label}: inv_freq rel. error ${invErr.toExponential(1)}, logits max |diff| ${(worst / scale).toExponential(1)} of the largest`,
            );
            assert.ok(worst <= 1e-4 * scale, `${label}: logits differ by ${worst} (largest ${scale})`);
          } finally {
            model.dispose();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }
}
