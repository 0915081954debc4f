// HHH RL against the preference model on trigger-free prompts. Each step: a rollout batch
// (rl-rollout.ts), KL-penalised leave-one-out advantages (rl-advantages.ts), and the policy update
// (rl-update.ts: PPO's clipped epochs of minibatches, or one REINFORCE update). The trainer owns the
// optimiser, the log and the resumable checkpoint, written with each curve point.
import { runDevice } from "../torch/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { loadTrainModel } from "./model-handle.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import { meanCI } from "../eval/rate.ts";
import { rlPromptPool, rollout } from "./rl-rollout.ts";
import { advantages } from "./rl-advantages.ts";
import { policyUpdate } from "./rl-update.ts";
import { partialDir, runTrainer } from "./trainer.ts";
import { curveState, restoreCurve, type SafetyRun } from "./safety-run.ts";
import type { SafetyResult } from "./api.ts";

/** The prompts of step `step`: n of them, drawn with `rng` (adversarial training mixes in red-team prompts). */
export type PromptSampler = (step: number, rng: Rng, n: number) => Sample[];

export function rlSafety(run: SafetyRun, pm: CausalLM, sampler?: PromptSampler): Partial<SafetyResult> {
  const { ck, o, ctx } = run;
  const r = o.rl;
  const policy = ck.model, tok = ck.tokenizer;
  const ref = loadTrainModel(ck.dir, { device: runDevice() }).model; // the starting policy, frozen
  const pool = rlPromptPool(o.seed, run.worldSeed);
  const sample: PromptSampler = sampler ?? ((_, rng, n) => Array.from({ length: n }, () => rng.pick(pool)));
  // Rollouts must be able to finish the task's answer (a whole program for code, a scratchpad for cot).
  const maxTokens = Math.max(r.maxTokens, run.settings.maxTokens);
  try {
    runTrainer(policy, tok, {
      steps: o.steps, lr: r.lr, schedule: "constant", weightDecay: 0, seed: o.seed, label: ctx.label, batchSize: r.batchSize,
      resumeDir: partialDir(ctx), checkpointEvery: o.evalEvery, logPath: ctx.logPath,
    }, {
      step(step, opt) {
        const prompts = sample(step, Rng.derive(o.seed, `rl/${step}`), r.batchSize);
        const ro = rollout(policy, ref, pm, tok, prompts, {
          samplesPerPrompt: r.samplesPerPrompt, maxTokens, temperature: r.temperature,
          seedOf: (row) => Rng.seedFor(o.seed, `rl/${step}/rollout/${row}`),
        });
        const adv = advantages(ro.rewards, ro.kl, r.samplesPerPrompt, r.klCoef);
        const u = policyUpdate(policy, opt, tok.padId, ro, adv, { algorithm: r.algorithm, clip: r.clip, epochs: r.ppoEpochs, minibatches: r.minibatches }, `${o.seed}/rl/${step}/minibatches`);
        const reward = mean(ro.rewards), kl = mean(ro.kl);
        return {
          loss: u.loss,
          log: { reward, kl, clip_frac: u.clipFraction, approx_kl: u.approxKl, updates: u.updates },
          extra: `reward ${reward.toFixed(3)} kl ${kl.toFixed(3)} clip ${u.clipFraction.toFixed(2)}`,
        };
      },
      onStart: () => run.record(0),
      afterStep: (done) => { if (done % o.evalEvery === 0 || done === o.steps) run.record(done); },
      state: () => curveState(run),
      restore: (s) => restoreCurve(run, s),
    });
  } finally {
    ref.dispose();
  }
  return rewardSummary(run);
}

/**
 * Mean held-out reward before and after, and the paired change: the same held-out prompts at step 0
 * and at the end, so the change per prompt has a tighter interval than the two means side by side.
 */
function rewardSummary(run: SafetyRun): Partial<SafetyResult> {
  const before = run.curve[0]?.reward, after = run.curve.at(-1)?.reward;
  if (!before || !after) return {};
  const a = run.last?.rewards, b = run.baseline;
  const change = a && b && a.length === b.length ? meanCI(a.map((x, i) => x - b[i]), run.o.seed) : undefined;
  return { reward: { before, after, ...(change ? { change } : {}) } };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
