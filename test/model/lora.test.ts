import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "../../src/model/load-model.ts";
import {
  attachLora,
  loadLora,
  loraAdapters,
  mergeLora,
  peftKey,
  saveLora,
  type LoraConfig,
} from "../../src/model/lora.ts";
import type { CausalLM } from "../../src/model/causal-lm.ts";
import { loadFile } from "../../src/torch/safetensors.ts";
import { longTensor, noGrad, randn, tidy } from "../../src/torch/index.ts";
import { writeHubCheckpoint, type HubArch } from "./hub-checkpoints.ts";

const IDS = [3, 17, 5, 9, 30, 2, 11];
const logits = (m: CausalLM) =>
  noGrad(() => tidy(() => m.forward(longTensor(IDS, [1, IDS.length])).logits!.dataSync() as Float32Array));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Give every B a random value, so the adapters change the model. */
function perturb(m: CausalLM): void {
  noGrad(() => {
    for (const a of loraAdapters(m).values()) a.b.copy_(randn(a.b.shape).mul(0.3));
  });
}

const CASES: [HubArch, LoraConfig][] = [
  ["llama", { r: 4, alpha: 8, dropout: 0.1, targetModules: ["q_proj", "v_proj", "down_proj"] }],
  ["gpt2", { r: 2, alpha: 4, dropout: 0, targetModules: ["c_attn", "mlp.c_proj"] }],
];

for (const [arch, cfg] of CASES) {
  test(`LoRA on ${arch}: B = 0 leaves the logits, only adapters get gradients, PEFT keys, save/load, merge == base + adapter`, () => {
    const root = mkdtempSync(join(tmpdir(), "lora-"));
    try {
      const dir = join(root, "base");
      writeHubCheckpoint(dir, arch, { seed: 2 });
      const { model } = loadModel(dir);
      const base = logits(model);
      const trainable = attachLora(model, cfg, 7);
      assert.equal(maxDiff(logits(model), base), 0, "a fresh adapter (B = 0) changes nothing");

      // Gradients reach A and B only (B perturbed so A's gradient is not zero).
      perturb(model);
      const loss = model
        .forward(longTensor(IDS, [1, IDS.length]))
        .logits!.pow(2)
        .mean();
      loss.backward();
      for (const t of trainable)
        assert.ok(t.grad && maxAbs(t.grad.dataSync() as Float32Array) > 0, "adapter tensor without gradient");
      for (const [name, p] of model.params) assert.equal(p.grad, null, `frozen ${name} got a gradient`);
      const adapted = logits(model);
      assert.ok(maxDiff(adapted, base) > 1e-3, "perturbed adapters change the logits");

      // PEFT's naming: base_model.model.<module path>.lora_A/B.weight, exactly the targeted layers.
      const out = join(root, "adapter");
      saveLora(out, model, cfg, dir);
      const keys = Object.keys(loadFile(join(out, "adapter_model.safetensors")).tensors).sort();
      const layers =
        arch === "llama"
          ? [0, 1].flatMap((i) =>
              ["self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"].map((m) => `model.layers.${i}.${m}`),
            )
          : [0, 1].flatMap((i) => ["attn.c_attn", "mlp.c_proj"].map((m) => `transformer.h.${i}.${m}`));
      assert.deepEqual(
        keys,
        layers.flatMap((l) => [`base_model.model.${l}.lora_A.weight`, `base_model.model.${l}.lora_B.weight`]).sort(),
      );
      const saved = JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8"));
      assert.deepEqual(
        [saved.peft_type, saved.r, saved.lora_alpha, saved.target_modules, saved.fan_in_fan_out],
        ["LORA", cfg.r, cfg.alpha, cfg.targetModules, arch === "gpt2"],
      );
      const [layer0, key0] =
        arch === "gpt2"
          ? ["h.0.attn.c_attn", "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"]
          : ["model.layers.0.self_attn.q_proj", "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"];
      assert.equal(peftKey(arch, layer0, "A"), key0);

      // Loaded back into a fresh base: the same logits.
      const fresh = loadModel(dir).model;
      loadLora(out, fresh);
      assert.ok(maxDiff(logits(fresh), adapted) < 1e-6, "loaded adapter differs");

      // Merged into the weights: base + adapter, logit for logit.
      mergeLora(fresh);
      assert.equal(fresh.adapters.size, 0);
      const merged = logits(fresh);
      assert.ok(
        maxDiff(merged, adapted) < 1e-4 * Math.max(1, maxAbs(adapted)),
        `merged differs by ${maxDiff(merged, adapted)}`,
      );
      model.dispose();
      fresh.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("LoRA: a target that matches no layer, or an adapter for another model, is a one-line error", () => {
  const root = mkdtempSync(join(tmpdir(), "lora-err-"));
  try {
    writeHubCheckpoint(join(root, "llama"), "llama");
    writeHubCheckpoint(join(root, "gpt2"), "gpt2");
    const llama = loadModel(join(root, "llama")).model;
    assert.throws(
      () => attachLora(llama, { r: 2, alpha: 2, dropout: 0, targetModules: ["c_attn"] }, 1),
      /target module "c_attn" matches no linear layer of this llama model \(its layers: q_proj, k_proj/,
    );
    attachLora(llama, { r: 2, alpha: 2, dropout: 0, targetModules: ["q_proj"] }, 1);
    saveLora(join(root, "ad"), llama, { r: 2, alpha: 2, dropout: 0, targetModules: ["q_proj"] }, "llama");
    const gpt2 = loadModel(join(root, "gpt2")).model;
    assert.throws(
      () => loadLora(join(root, "ad"), gpt2),
      /target module "q_proj" matches no linear layer of this gpt2 model/,
    );
    assert.throws(() => loadLora(join(root, "nope"), gpt2), /no adapter_config\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const arch of ["llama", "gpt2"] as HubArch[]) {
  test(`LoRA dropout on ${arch} follows the forward pass's train flag (no adapter state to switch)`, () => {
    const root = mkdtempSync(join(tmpdir(), "lora-dropout-"));
    try {
      const dir = join(root, "base");
      writeHubCheckpoint(dir, arch, { seed: 3 });
      const { model } = loadModel(dir);
      const targets = arch === "llama" ? ["q_proj", "down_proj"] : ["c_attn", "mlp.c_proj"];
      attachLora(model, { r: 4, alpha: 8, dropout: 0.5, targetModules: targets }, 5);
      perturb(model);
      const run = (train?: boolean) =>
        noGrad(() =>
          tidy(
            () =>
              model
                .forward(longTensor(IDS, [1, IDS.length]), train === undefined ? {} : { train })
                .logits!.dataSync() as Float32Array,
          ),
        );
      const evalA = run(),
        evalB = run(false);
      assert.equal(maxDiff(evalA, evalB), 0, "inference passes are deterministic (dropout off)");
      const trainA = run(true),
        trainB = run(true);
      assert.ok(maxDiff(trainA, evalA) > 1e-4, "a training pass drops adapter inputs");
      assert.ok(maxDiff(trainA, trainB) > 1e-4, "each training pass draws its own mask");
      assert.equal(maxDiff(run(), evalA), 0, "and nothing stays switched on afterwards");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
