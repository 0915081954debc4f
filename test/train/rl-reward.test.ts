// Does the RL step follow its reward? The safety stage's own step (rollout, normalisation, KL penalty,
// leave-one-out advantages, PPO update) on a tiny model with a programmatic reward in place of the
// preference model: any working policy-gradient trainer raises such a reward within a few dozen steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { trainerOptimiser } from "../../src/train/trainer.ts";
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

const zero: RewardFn = (items) => items.map(() => 0);

/** A tiny policy and its frozen starting copy. */
function models(seed: number) {
  const tok = toyTokenizer();
  return { tok, policy: tinyModel(tok, seed, { contextLength: 64 }), ref: tinyModel(tok, seed, { contextLength: 64 }) };
}

/** Per-step mean reward and KL of `steps` RL steps (numbered from `from`) on `m.policy`, with a fresh optimiser. */
function train(
  m: ReturnType<typeof models>,
  reward: RewardFn,
  steps: number,
  rl: Record<string, unknown>,
  seed = 1,
  from = 0,
) {
  const { tok, policy, ref } = m;
  const r = RlSchema.parse({ batchSize: 4, samplesPerPrompt: 4, maxTokens: 8, ...rl });
  const opt = trainerOptimiser(policy, tok, { lr: r.lr, weightDecay: 0 });
  const st: RlStepState = { norm: freshNorm(), klCoef: r.klCoef };
  const rewards: number[] = [],
    kls: number[] = [];
  try {
    for (let step = from; step < from + steps; step++) {
      const rng = Rng.derive(seed, `rl/${step}`);
      const prompts = Array.from({ length: r.batchSize }, () => rng.pick(PROMPTS));
      const ctx = { policy, ref, tok, opt, reward, r, maxTokens: r.maxTokens, seed };
      const s = rlStep(ctx, prompts, step, st);
      rewards.push(s.reward);
      kls.push(s.kl);
    }
  } finally {
    opt.dispose();
  }
  return { rewards, kls, klCoef: st.klCoef };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const dispose = (m: ReturnType<typeof models>) => (m.policy.dispose(), m.ref.dispose());

test("RL raises a programmatic reward over a few dozen steps, with the KL penalty small", { timeout: 300_000 }, () => {
  const m = models(1);
  try {
    // The stage's defaults (PPO 2 x 2, reward normalised) with a small fixed KL coefficient.
    const { rewards, kls } = train(m, letterShare, 40, { lr: 1e-2, klCoef: 0.01, klTarget: null });
    const first = avg(rewards.slice(0, 5)),
      last = avg(rewards.slice(-5));
    console.log(
      `reward steps 1-5 ${first.toFixed(3)}, 36-40 ${last.toFixed(3)}; KL 36-40 ${avg(kls.slice(-5)).toFixed(2)}`,
    );
    assert.ok(
      last > first + 0.15,
      `reward ${first.toFixed(3)} -> ${last.toFixed(3)}: ${rewards.map((x) => x.toFixed(2))}`,
    );
  } finally {
    dispose(m);
  }
});

test("best-of-n (rejection-sampling fine-tuning) raises the same reward", { timeout: 300_000 }, () => {
  const m = models(1);
  try {
    const { rewards } = train(m, letterShare, 40, { lr: 1e-2, klCoef: 0.01, klTarget: null, algorithm: "best-of-n" });
    const first = avg(rewards.slice(0, 5)),
      last = avg(rewards.slice(-5));
    console.log(`best-of-n: reward steps 1-5 ${first.toFixed(3)}, 36-40 ${last.toFixed(3)}`);
    assert.ok(
      last > first + 0.15,
      `reward ${first.toFixed(3)} -> ${last.toFixed(3)}: ${rewards.map((x) => x.toFixed(2))}`,
    );
  } finally {
    dispose(m);
  }
});

/** A policy driven far from its starting copy by the reward alone, then `steps` KL-only steps with the penalty at `where`: per-step KL. */
function driftThenPull(where: "loss" | "reward", steps: number) {
  const m = models(1);
  try {
    const away = train(m, letterShare, 40, { lr: 1.5e-3, klCoef: 0, klTarget: null });
    const back = train(m, zero, steps, { lr: 1.5e-3, klCoef: 1, klTarget: null, klPenalty: where }, 1, 1000);
    return { drifted: avg(away.kls.slice(-5)), end: avg(back.kls.slice(-5)), kls: back.kls };
  } finally {
    dispose(m);
  }
}

test(
  "with no reward, the KL penalty alone pulls a policy that drifted back toward the starting one, further from the loss than from the reward",
  { timeout: 300_000 },
  () => {
    const loss = driftThenPull("loss", 60),
      reward = driftThenPull("reward", 60);
    assert.ok(loss.drifted > 2, `the policy first moves away: KL ${loss.drifted.toFixed(2)}`);
    console.log(
      `KL after drifting ${loss.drifted.toFixed(2)}, after 60 KL-only steps: penalty in the loss ${loss.end.toFixed(2)}, in the reward ${reward.end.toFixed(2)}`,
    );
    for (const [name, r] of Object.entries({ loss, reward }))
      assert.ok(
        r.end < r.drifted / 4,
        `${name}: KL ${r.drifted.toFixed(2)} -> ${r.end.toFixed(2)}: ${r.kls.map((x) => x.toFixed(1))}`,
      );
    // The exact per-token KL's gradient carries no sampling noise; the sampled estimate in the reward does.
    assert.ok(loss.end < reward.end, `loss ${loss.end.toFixed(2)} vs reward ${reward.end.toFixed(2)}`);
  },
);
