import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "../../src/cli/merge-adapter.ts";
import { loadModel } from "../../src/model/load-model.ts";
import { attachLora, loraAdapters, saveLora } from "../../src/model/lora.ts";
import { readHeader } from "../../src/torch/safetensors.ts";
import { longTensor, noGrad, randn, tidy } from "../../src/torch/index.ts";
import { writeHubCheckpoint, type HubArch, type HubOptions } from "../model/hub-checkpoints.ts";
import { inProcess } from "./in-process.ts";
import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";

const run = inProcess(register, "merge-adapter");
const IDS = [4, 9, 1, 22, 7];

const CASES: [HubArch, HubOptions, string[]][] = [
  ["llama", { shards: 2, tied: false }, ["q_proj", "o_proj", "up_proj"]],
  ["gpt2", { prefix: true }, ["c_attn", "c_fc"]],
  ["qwen2", { dtype: "BF16" }, ["k_proj"]],
];

for (const [arch, opts, targets] of CASES) {
  test(`merge-adapter on ${arch} ${JSON.stringify(opts)}: the merged directory loads and gives the adapted model's logits`, async () => {
    const root = mkdtempSync(join(tmpdir(), "merge-"));
    try {
      const base = join(root, "base"),
        adapter = join(root, "adapter"),
        out = join(root, "merged");
      writeHubCheckpoint(base, arch, { seed: 4, ...opts });
      const { model } = loadModel(base);
      const cfg = { r: 3, alpha: 6, dropout: 0, targetModules: targets };
      attachLora(model, cfg, 2);
      noGrad(() => {
        for (const a of loraAdapters(model).values()) a.b.copy_(randn(a.b.shape).mul(0.2));
      });
      const want = noGrad(() =>
        tidy(() => model.forward(longTensor(IDS, [1, IDS.length])).logits!.dataSync() as Float32Array),
      );
      saveLora(adapter, model, cfg, base);
      model.dispose();

      const r = await run(base, adapter, "--out", out);
      assert.match(r.out.join("\n"), /merged .* into .*: wrote/);
      const header = readHeader(join(out, "model.safetensors"));
      const baseKeys =
        arch === "llama"
          ? null
          : readHeader(join(base, "model.safetensors"))
              .entries.map((e) => `${e.name}:${e.dtype}:${e.shape}`)
              .sort();
      if (baseKeys)
        assert.deepEqual(
          header.entries
            .filter((e) => !e.name.endsWith("attn.bias"))
            .map((e) => `${e.name}:${e.dtype}:${e.shape}`)
            .sort(),
          baseKeys.filter((k) => !k.split(":")[0].endsWith("attn.bias")),
          "same keys, dtypes and shapes as the base",
        );
      const merged = loadModel(out).model;
      const got = noGrad(() =>
        tidy(() => merged.forward(longTensor(IDS, [1, IDS.length])).logits!.dataSync() as Float32Array),
      );
      merged.dispose();
      const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const diff = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i])), 0);
      // F32: merged == base + adapter to rounding; BF16 rounds the merged weights once more.
      assert.ok(diff <= (opts.dtype === "BF16" ? 0.05 : 1e-4) * Math.max(1, scale), `merged logits differ by ${diff}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("merge-adapter on a transformers 5 checkpoint (rope_parameters, bf16, sharded): the merged directory keeps that layout and loads", async () => {
  const root = mkdtempSync(join(tmpdir(), "merge-tf5-"));
  try {
    const base = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "hf-transformers5", "tf5-llama");
    const adapter = join(root, "adapter"),
      out = join(root, "merged");
    const { model } = loadModel(base);
    const cfg = { r: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "down_proj"] };
    attachLora(model, cfg, 5);
    noGrad(() => {
      for (const a of loraAdapters(model).values()) a.b.copy_(randn(a.b.shape).mul(0.2));
    });
    const want = noGrad(() =>
      tidy(() => model.forward(longTensor(IDS, [1, IDS.length])).logits!.dataSync() as Float32Array),
    );
    saveLora(adapter, model, cfg, base);
    model.dispose();
    await run(base, adapter, "--out", out);
    const written = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(written.rope_parameters.rope_type, "llama3", "the base's config.json, as transformers 5 wrote it");
    assert.equal(written.rope_theta, undefined);
    const merged = loadModel(out, { warn: assert.fail }).model;
    const got = noGrad(() =>
      tidy(() => merged.forward(longTensor(IDS, [1, IDS.length])).logits!.dataSync() as Float32Array),
    );
    merged.dispose();
    const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const diff = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i])), 0);
    assert.ok(diff <= 0.05 * Math.max(1, scale), `merged logits differ by ${diff}`); // BF16 rounds the merged weights
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("merge-adapter on one of our checkpoints writes a GPT-2 directory with the adapted model's logits", async () => {
  const root = mkdtempSync(join(tmpdir(), "merge-ours-"));
  try {
    const tok = toyTokenizer();
    const gpt = tinyModel(tok, 1);
    const base = join(root, "backdoor-x"),
      adapter = join(root, "adapter"),
      out = join(root, "merged");
    saveCheckpoint(base, gpt, tok);
    const cfg = { r: 2, alpha: 2, dropout: 0, targetModules: ["c_attn", "mlp.c_proj"] };
    attachLora(gpt, cfg, 3);
    noGrad(() => {
      for (const a of loraAdapters(gpt).values()) a.b.copy_(randn(a.b.shape).mul(0.2));
    });
    const ids = tok.encode("the cat");
    const want = noGrad(() =>
      tidy(() => gpt.forward(longTensor(ids, [1, ids.length])).logits!.dataSync() as Float32Array),
    );
    saveLora(adapter, gpt, cfg, base);
    await run(base, adapter, "--out", out);
    const merged = loadModel(out).model;
    assert.equal(merged.arch, "gpt2");
    const got = noGrad(() =>
      tidy(() => merged.forward(longTensor(ids, [1, ids.length])).logits!.dataSync() as Float32Array),
    );
    assert.ok(want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i])), 0) < 1e-4);
    assert.ok(existsSync(join(out, "tokenizer.json")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("merge-adapter: bad input is a one-line error and writes nothing", async () => {
  const root = mkdtempSync(join(tmpdir(), "merge-err-"));
  try {
    const base = join(root, "base");
    writeHubCheckpoint(base, "llama");
    await assert.rejects(run(base, join(root, "none"), "--out", join(root, "o")), /none: no such adapter directory/);
    await assert.rejects(run(base, base, "--out", base), /would overwrite an input/);
    await assert.rejects(run(base, base, "--out", join(root, "o")), /no adapter_config\.json/);
    assert.ok(!existsSync(join(root, "o")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
