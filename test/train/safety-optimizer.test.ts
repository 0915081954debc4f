// A safety stage's `optimizer` reaches the trainer on both paths, RL (rl.ts) and SFT (stageTraining): the stage's
// resumable checkpoint holds that optimiser's state, and absent it is AdamW's as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadFile } from "../../src/torch/safetensors.ts";
import { runSafety } from "../../src/train/stages.ts";
import type { SafetyOptions } from "../../src/train/api.ts";
import type { OptimizerName } from "../../src/torch/optimizer-names.ts";
import { partialDir } from "../../src/train/trainer.ts";
import { backdoorStage, preferenceStage, safetyOptions, stageContext, tempDir } from "./stage-fixture.ts";

/** The optimiser and tensor names of a safety run's in-progress checkpoint (4 steps, one written at step 2). */
async function savedOptimizer(method: SafetyOptions["method"], optimizer?: OptimizerName) {
  const bd = await backdoorStage(),
    pm = method === "rl" ? await preferenceStage() : null;
  const dir = tempDir(`${method}-${optimizer ?? "default"}`);
  const ctx = stageContext(dir, `${method}-${optimizer ?? "default"}`);
  const o: SafetyOptions = { ...safetyOptions(method), ...(optimizer ? { optimizer } : {}) };
  await runSafety(bd.dir, pm?.dir ?? null, join(dir, "out"), o, ctx);
  const f = loadFile(join(partialDir(ctx), "optimizer.safetensors"));
  return { name: f.metadata.optimizer, step: f.metadata.step, tensors: Object.keys(f.tensors) };
}

test(
  "RL with optimizer sgd trains with SGD (its momentum buffers are checkpointed)",
  { timeout: 300_000 },
  async () => {
    const s = await savedOptimizer("rl", "sgd");
    assert.equal(s.name, "sgd");
    assert.equal(s.step, String(2 * 2 * 2), "2 steps of ppoEpochs x minibatches updates");
    assert.ok(s.tensors.length > 0 && s.tensors.every((t) => t.startsWith("momentum.")));
  },
);

test("SFT safety training with optimizer adafactor trains with Adafactor", { timeout: 300_000 }, async () => {
  const s = await savedOptimizer("sft", "adafactor");
  assert.equal(s.name, "adafactor");
  assert.equal(s.step, "2");
  assert.ok(s.tensors.some((t) => t.startsWith("row.")) && s.tensors.some((t) => t.startsWith("v.")));
});

test("a safety stage without optimizer trains with AdamW", { timeout: 300_000 }, async () => {
  const s = await savedOptimizer("sft");
  assert.equal(s.name, "adamw");
  assert.ok(s.tensors.every((t) => /^[mv]\.\d+$/.test(t)));
});
