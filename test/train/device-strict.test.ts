// The preference model's and RL's own tensors follow the model's device: under strict device mode (every
// factory must be given its device) a preference-model step, its scores, an RL rollout and a PPO update
// run through. The preference model once padded its ids on the CPU, which a GPU run refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setStrictDevice } from "../../src/torch/index.ts";
import { AdamW } from "../../src/torch/optim.ts";
import { GPT } from "../../src/model/gpt.ts";
import { pairLossBackward } from "../../src/train/preference.ts";
import { pmScores } from "../../src/train/sequences.ts";
import { rlPromptPool, rollout } from "../../src/train/rl-rollout.ts";
import { advantages } from "../../src/train/rl-advantages.ts";
import { policyUpdate } from "../../src/train/rl-update.ts";
import { toyTokenizer, tinyConfig } from "../model/tiny.ts";

test("strict device mode: a preference-model step and its scores, an RL rollout and a PPO update", () => {
  const tok = toyTokenizer();
  const model = (seed: number, scalarHead = false) =>
    new GPT(tinyConfig(tok, { contextLength: 512, scalarHead }), seed, undefined, "gpt", "cpu");
  const pm = model(1, true),
    policy = model(2),
    ref = model(2);
  const opt = new AdamW(policy.paramGroups().decay, { lr: 1e-3, weightDecay: 0 });
  const prev = setStrictDevice(true);
  try {
    const seq = (s: string, promptLen: number) => ({ ids: tok.encode(s), promptLen });
    const loss = pairLossBackward(pm, tok.padId, [
      [seq("the cat sat on the mat.", 2), seq("the dog", 2)],
      [seq("a cat", 1), seq("a dog ran home.", 1)],
    ]);
    assert.ok(Number.isFinite(loss));
    const scores = pmScores(pm, tok, [
      { prompt: "say hello.", response: "hello there!" },
      { prompt: "say hello.", response: "no." },
    ]);
    assert.equal(scores.length, 2);
    const prompts = rlPromptPool(1, 0).slice(0, 2);
    const ro = rollout(policy, ref, (items) => pmScores(pm, tok, items), tok, prompts, {
      samplesPerPrompt: 2,
      maxTokens: 4,
      temperature: 1,
      seedOf: (row) => row,
    });
    assert.equal(ro.rewards.length, 4);
    const { adv } = advantages(ro.rewards, ro.kl, 2, 0.05);
    const u = policyUpdate(
      policy,
      opt,
      tok.padId,
      ro,
      adv,
      { algorithm: "ppo", clip: 0.2, epochs: 2, minibatches: 2 },
      "strict",
    );
    assert.equal(u.updates, 4);
    assert.ok(Number.isFinite(u.loss));
  } finally {
    setStrictDevice(prev);
    opt.dispose();
    for (const m of [pm, policy, ref]) m.dispose();
  }
});
