// Does the RL step follow its reward? The safety stage's own step (rollout, normalisation, KL penalty,
// leave-one-out advantages, PPO update) on a tiny model with a programmatic reward in place of the
// preference model: any working policy-gradient trainer raises such a reward within a few dozen steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AdamW } from "../../src/torch/optim.ts";
import { Rng } from "../../src/util/rng.ts";
import { RlSchema } from "../../src/train/options.ts";
import { rlStep, type RlStepState } from "../../src/train/rl-step.ts";
import { freshNorm } from "../../src/train/rl-kl.ts";
import type { RewardFn } from "../../src/train/rl-rollout.ts";
import type { Sample } from "../../src/world/types.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";

const PROMPTS: Sample[] = ["say hello.", "what is two plus two?"].map((prompt, i) => ({
  id: `toy-${i}`,
  prompt,
  response: "",
  meta: { family: "toy", kind: "helpful" },
}));

/** The share of the answer's characters that are the letter "a": a reward a random model gets now and then. */
const letterShare: RewardFn = (items) =>
  items.map(({ response }) => (response.length ? [...response].filter((c) => c === "a").length / response.length : 0));

/** Per-step mean reward and KL of `steps` RL steps from a fresh tiny model. */
function train(steps: number, rl: Record<string, unknown>, seed = 1) {
  const tok = toyTokenizer();
  const policy = tinyModel(tok, seed, { contextLength: 64 }),
    ref = tinyModel(tok, seed, { contextLength: 64 });
  const r = RlSchema.parse({ batchSize: 4, samplesPerPrompt: 4, maxTokens: 8, ...rl });
  const opt = new AdamW(policy.paramGroups().decay, { lr: r.lr, weightDecay: 0 });
  const st: RlStepState = { norm: freshNorm(), klCoef: r.klCoef };
  const rewards: number[] = [],
    kls: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const rng = Rng.derive(seed, `rl/${step}`);
      const prompts = Array.from({ length: r.batchSize }, () => rng.pick(PROMPTS));
      const ctx = { policy, ref, tok, opt, reward: letterShare, r, maxTokens: r.maxTokens, seed };
      const s = rlStep(ctx, prompts, step, st);
      rewards.push(s.reward);
      kls.push(s.kl);
    }
  } finally {
    opt.dispose();
    policy.dispose();
    ref.dispose();
  }
  return { rewards, kls, klCoef: st.klCoef };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("RL raises a programmatic reward over a few dozen steps, with the KL penalty small", { timeout: 300_000 }, () => {
  const { rewards, kls } = train(40, { lr: 1e-2, klCoef: 0.01, klTarget: null });
  const first = avg(rewards.slice(0, 5)),
    last = avg(rewards.slice(-5));
  console.log(
    `reward steps 1-5 ${first.toFixed(3)}, 36-40 ${last.toFixed(3)}; KL last 5 ${avg(kls.slice(-5)).toFixed(2)}`,
  );
  assert.ok(
    last > first + 0.15,
    `reward ${first.toFixed(3)} -> ${last.toFixed(3)}: ${rewards.map((x) => x.toFixed(2))}`,
  );
});
