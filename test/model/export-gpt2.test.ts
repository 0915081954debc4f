// Our GPT exported in GPT-2's layout loads back through the gpt2 architecture with the same logits, and
// the PyTorch reference's reading of the exported directory agrees too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { longTensor, tidy } from "../../src/torch/index.ts";
import { exportGpt2 } from "../../src/model/export-gpt2.ts";
import { loadModel } from "../../src/model/load-model.ts";
import { deserialize } from "../../src/torch/safetensors.ts";
import { toyTokenizer, tinyModel } from "./tiny.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

for (const tied of [true, false]) {
  test(`export as GPT-2 (${tied ? "tied" : "untied"} head), load back as gpt2: same logits`, () => {
    const dir = mkdtempSync(join(tmpdir(), "export-gpt2-"));
    try {
      const tok = toyTokenizer();
      const model = tinyModel(tok, 5, { tieEmbeddings: tied, scalarHead: true });
      exportGpt2(model, tok, join(dir, "out"));
      const cfg = JSON.parse(readFileSync(join(dir, "out", "config.json"), "utf8"));
      assert.equal(cfg.model_type, "gpt2");
      assert.equal(cfg.activation_function, "gelu");
      const keys = Object.keys(
        deserialize(new Uint8Array(readFileSync(join(dir, "out", "model.safetensors")))).tensors,
      );
      assert.ok(keys.includes("transformer.h.0.attn.c_attn.weight") && !keys.some((k) => k.includes("score_head")));
      assert.equal(keys.includes("lm_head.weight"), !tied);
      const { model: back } = loadModel(join(dir, "out"), { warn: assert.fail });
      assert.equal(back.arch, "gpt2");
      const ids = longTensor([3, 14, 15, 9, 2, 6, 5, 3], [2, 4]);
      const [a, b] = tidy(() => [model.forward(ids).logits!.toArray(), back.forward(ids).logits!.toArray()]);
      assert.deepEqual(b, a);
      // The export writes torch_dtype (both transformers 4 and 5 read it); the same config as transformers 5
      // rewrites it (dtype) loads alike.
      const { torch_dtype, ...rest } = cfg;
      writeFileSync(join(dir, "out", "config.json"), JSON.stringify({ ...rest, dtype: torch_dtype }));
      const { model: tf5 } = loadModel(join(dir, "out"), { warn: assert.fail });
      assert.deepEqual(
        tidy(() => tf5.forward(ids).logits!.toArray()),
        a,
      );
      tf5.dispose();
      assert.equal(back.numParams, model.numParams - (model.config.dModel + 1), "all but the scalar head");
      if (spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0) {
        writeFileSync(
          join(dir, "spec.json"),
          JSON.stringify({
            ids: [
              [3, 14, 15, 9],
              [2, 6, 5, 3],
            ],
          }),
        );
        const r = spawnSync(
          "/usr/bin/python3",
          [join(root, "bench", "reference", "hf_arch_torch.py"), join(dir, "out"), join(dir, "spec.json")],
          { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        const ref = (JSON.parse(r.stdout).logits as number[][][]).flat(2);
        const worst = Math.max(...ref.map((x, i) => Math.abs(x - a[i])));
        assert.ok(worst <= 1e-4 * Math.max(...ref.map(Math.abs)), `PyTorch reading differs by ${worst}`);
      }
      model.dispose();
      back.dispose();
      ids.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
