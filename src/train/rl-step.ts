// One HHH RL step, reward source aside: a rollout batch scored by `reward` (the preference model in
// the safety stage, any function of prompt and answer in a test), the reward optionally normalised,
// KL-penalised with the adaptive coefficient (in the reward or the loss), leave-one-out (or best-of-n)
// advantages, and the policy update. rl.ts wraps it with the trainer, the per-step record and the checkpoint.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import type { RlOptions } from "./api.ts";
import { rollout, type RewardFn, type Rollout } from "./rl-rollout.ts";
import { advantages, bestOfNAdvantages } from "./rl-advantages.ts";
import { policyUpdate, type UpdateStats } from "./rl-update.ts";
import { nextKlCoef, normalise, type NormState } from "./rl-kl.ts";

/** What one step changes for the next: the reward's running statistics and the KL coefficient. */
export interface RlStepState {
  norm: NormState;
  klCoef: number;
}

export interface RlStepResult {
  ro: Rollout;
  /** Mean raw reward and mean per-answer KL of the rollout batch. */
  reward: number;
  kl: number;
  /** The KL coefficient this step's advantages used. */
  coef: number;
  update: UpdateStats;
}

export interface RlStepContext {
  policy: CausalLM;
  /** The frozen starting policy the KL is measured against. */
  ref: CausalLM;
  tok: TextTokenizer;
  opt: Optimizer;
  reward: RewardFn;
  r: RlOptions;
  maxTokens: number;
  /** The run's seed: rollout samplers and minibatch shuffles derive from it and the step. */
  seed: number;
}

/** Step `step` (0-based) on `prompts`; updates `st` in place. */
export function rlStep(c: RlStepContext, prompts: readonly Sample[], step: number, st: RlStepState): RlStepResult {
  const { r } = c;
  const ro = rollout(c.policy, c.ref, c.reward, c.tok, prompts, {
    samplesPerPrompt: r.samplesPerPrompt,
    maxTokens: c.maxTokens,
    temperature: r.temperature,
    seedOf: (row) => Rng.seedFor(c.seed, `rl/${step}/rollout/${row}`),
  });
  const shaped = r.normalizeReward ? normalise(st.norm, ro.rewards) : ro.rewards;
  const coef = st.klCoef;
  const inLoss = r.klPenalty === "loss";
  const advantagesOf = r.algorithm === "best-of-n" ? bestOfNAdvantages : advantages;
  const { adv, scale } = advantagesOf(shaped, ro.kl, r.samplesPerPrompt, inLoss ? 0 : coef);
  // In the loss, the penalty is divided by the advantages' scale too, so that klCoef weighs a nat of
  // answer KL against a unit of normalised reward whichever place it acts in.
  const klLoss = inLoss ? { ref: c.ref, coef: coef / scale } : undefined;
  const update = policyUpdate(
    c.policy,
    c.opt,
    c.tok.padId,
    ro,
    adv,
    { algorithm: r.algorithm, clip: r.clip, epochs: r.ppoEpochs, minibatches: r.minibatches, klLoss },
    `${c.seed}/rl/${step}/minibatches`,
  );
  const kl = mean(ro.kl);
  st.klCoef = nextKlCoef(coef, kl, r.klTarget, r.klHorizon, r.klCoefMax, r.klCoefMin);
  return { ro, reward: mean(ro.rewards), kl, coef, update };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
