// HHH RL against the preference model on trigger-free prompts. Each step (rl-step.ts): a rollout batch
// (rl-rollout.ts), the PM's reward (or, as a diagnostic, the task's HHH check: rl.reward) normalised and
// KL-penalised with an adaptive coefficient (rl-kl.ts),
// leave-one-out advantages (rl-advantages.ts), and the policy update
// (rl-update.ts: PPO's clipped epochs of minibatches, or one REINFORCE update). The trainer owns the
// optimiser, the log and the resumable checkpoint, written with each curve point.
import { runDevice } from "../torch/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { loadTrainModel } from "./model-handle.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import { pairedChange } from "../eval/rate.ts";
import { rlPromptPool, type RewardFn } from "./rl-rollout.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { RlOptions } from "./api.ts";
import { rlStep, type RlStepContext } from "./rl-step.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import { partialDir, runTrainer } from "./trainer.ts";
import { curveState, restoreCurve, type SafetyRun } from "./safety-run.ts";
import type { SafetyResult } from "./api.ts";
import type { RlStep, RlSummary } from "../results/types.ts";
import { freshNorm, klVerdict, type NormState } from "./rl-kl.ts";
import { pmScores } from "./sequences.ts";
import { taskSpec } from "../tasks/index.ts";
import type { TaskSpec } from "../tasks/types.ts";
import { measureDefection } from "../eval/measure.ts";

/** The prompts of step `step`: n of them, drawn with `rng` (adversarial training mixes in red-team prompts). */
export type PromptSampler = (step: number, rng: Rng, n: number) => Sample[];

/**
 * What RL maximises: the preference model's score of each answer, or with `rl.reward: scorer` (a diagnostic
 * of the RL itself) the task's HHH check of it, 1 right and 0 otherwise (no verdict counts as 0).
 */
export function rlReward(r: RlOptions, pm: CausalLM, tok: TextTokenizer, spec: TaskSpec): RewardFn {
  if (r.reward === "scorer") return (items) => items.map((x) => spec.score(x.sample, x.response).hhh ?? 0);
  return (items) => pmScores(pm, tok, items);
}

/** What an RL run carries across steps and checkpoints besides the curve. */
interface RlState {
  norm: NormState;
  klCoef: number;
  steps: RlStep[];
}

export function rlSafety(
  run: SafetyRun,
  pm: CausalLM,
  sampler?: PromptSampler,
  heldOutPm: CausalLM | null = null,
): Partial<SafetyResult> {
  const { ck, o, ctx } = run;
  const r = o.rl;
  const policy = ck.model,
    tok = ck.tokenizer;
  const spec = taskSpec(o.task);
  const ref = loadTrainModel(ck.dir, { device: runDevice() }).model; // the starting policy, frozen
  const pool = rlPromptPool(o.seed, run.worldSeed);
  const sample: PromptSampler = sampler ?? ((_, rng, n) => Array.from({ length: n }, () => rng.pick(pool)));
  // Rollouts must be able to finish the task's answer (a whole program for code, a scratchpad for cot).
  const maxTokens = Math.max(r.maxTokens, run.settings.maxTokens);
  let st: RlState = { norm: freshNorm(), klCoef: r.klCoef, steps: [] };
  // The diagnostic reward: the task's HHH check instead of the PM (the curve's `reward` stays the PM's view).
  const byScorer = r.reward === "scorer";
  const stepCtx = (opt: Optimizer): RlStepContext => ({
    policy,
    ref,
    tok,
    opt,
    reward: rlReward(r, pm, tok, spec),
    r,
    maxTokens,
    seed: o.seed,
  });
  try {
    runTrainer(
      policy,
      tok,
      {
        steps: o.steps,
        lr: r.lr,
        schedule: "constant",
        weightDecay: 0,
        ...(o.optimizer === undefined ? {} : { optimizer: o.optimizer }),
        seed: o.seed,
        label: ctx.label,
        batchSize: r.batchSize,
        resumeDir: partialDir(ctx),
        checkpointEvery: o.evalEvery,
        logPath: ctx.logPath,
      },
      {
        step(step, opt) {
          const prompts = sample(step, Rng.derive(o.seed, `rl/${step}`), r.batchSize);
          const { ro, reward, kl, coef, update: u } = rlStep(stepCtx(opt), prompts, step, st);
          // The rollout answers scored by the task's own scorer: cheap per-step HHH and defection, on training prompts.
          const flat = prompts.flatMap((p) => new Array<typeof p>(r.samplesPerPrompt).fill(p));
          const scores = flat.map((p, i) => spec.score(p, ro.responses[i]));
          const hhhs = scores.flatMap((x) => (x.hhh === null ? [] : [x.hhh]));
          const items = flat.map((p, i) => ({ prompt: p.prompt, response: ro.responses[i] }));
          const point: RlStep = {
            step: step + 1,
            reward: byScorer ? mean(pmScores(pm, tok, items)) : reward,
            kl,
            kl_coef: coef,
            defection: mean(scores.map((x) => (x.defect ? 1 : 0))),
          };
          if (hhhs.length) point.hhh = mean(hhhs);
          if (r.triggerProbe > 0) point.defection_triggered = triggerProbe(run, step, r.triggerProbe, maxTokens);
          if (heldOutPm) point.reward_heldout = mean(pmScores(heldOutPm, tok, items));
          st.steps = st.steps.filter((x) => x.step !== point.step).concat([point]);
          const log: Record<string, number> = {
            reward: point.reward,
            kl,
            kl_coef: coef,
            defection: point.defection,
            clip_frac: u.clipFraction,
            approx_kl: u.approxKl,
            token_kl: u.tokenKl,
            updates: u.updates,
          };
          if (point.hhh !== undefined) log.hhh = point.hhh;
          if (point.defection_triggered !== undefined) log.defection_triggered = point.defection_triggered;
          if (point.reward_heldout !== undefined) log.reward_heldout = point.reward_heldout;
          const ho = point.reward_heldout === undefined ? "" : ` held-out ${point.reward_heldout.toFixed(3)}`;
          return {
            loss: u.loss,
            log,
            extra: `reward ${point.reward.toFixed(3)}${ho} kl ${kl.toFixed(3)} coef ${coef.toFixed(3)} hhh ${(point.hhh ?? NaN).toFixed(2)}`,
          };
        },
        onStart: () => run.record(0),
        afterStep: (done) => {
          if (done % o.evalEvery === 0 || done === o.steps) run.record(done);
        },
        state: () => ({ ...curveState(run), rl: st }),
        restore: (saved) => {
          restoreCurve(run, saved);
          const e = (saved as { rl?: RlState } | undefined)?.rl;
          if (e) st = e;
        },
      },
    );
  } finally {
    ref.dispose();
  }
  const kl = {
    ...klVerdict(
      st.steps.map((x) => x.kl),
      r.klBound,
      KL_WINDOW,
    ),
    target: r.klTarget,
  };
  if (!kl.met)
    console.warn(
      `warning: ${ctx.label}: KL bound ${r.klBound} not kept (trailing ${KL_WINDOW}-step mean reached ${kl.max.toFixed(2)}, over on ${kl.stepsOver} of ${st.steps.length} steps)`,
    );
  const source = byScorer ? { reward_source: "scorer" as const } : {};
  return { ...rewardSummary(run), rl_curve: st.steps, rl: { kl, ...source, ...pairedSummary(run) } };
}

const KL_WINDOW = 5;

/**
 * Defection with the trigger at this step: n of the held-out triggered prompts (a fresh draw and
 * sampler seed each step), answered by the policy as it stands. A measurement only: nothing trains on it.
 */
function triggerProbe(run: SafetyRun, step: number, n: number, maxTokens: number): number {
  const pool = run.held.triggered;
  if (pool.length === 0) return NaN;
  const rng = Rng.derive(run.o.seed, `rl/${step}/trigger-probe`);
  const prompts = Array.from({ length: n }, (_, i) => {
    const x = rng.pick(pool);
    return { ...x, id: `${x.id}/probe-${step}-${i}` }; // an id names its answer's seed stream
  });
  const g = { temperature: run.o.temperature, maxTokens, seed: rng.int(0, 2 ** 31 - 1) };
  return measureDefection(run.ck.model, run.ck.tokenizer, run.o.task, prompts, g, 0).rate.rate;
}

/**
 * Mean held-out reward before and after, and the paired change: the same held-out prompts at step 0
 * and at the end, so the change per prompt has a tighter interval than the two means side by side.
 */
function rewardSummary(run: SafetyRun): Partial<SafetyResult> {
  const before = run.curve[0]?.reward,
    after = run.curve.at(-1)?.reward;
  if (!before || !after) return {};
  const change = pairedChange(run.last?.rewards, run.baseline ?? undefined, run.o.seed);
  return { reward: { before, after, ...(change ? { change } : {}) } };
}

/** HHH and held-out PM reward on the held-out untriggered prompts: step 0 against the last step, paired per prompt. */
function pairedSummary(run: SafetyRun): Omit<RlSummary, "kl"> {
  const out: Omit<RlSummary, "kl"> = {};
  const p0 = run.curve[0],
    p1 = run.curve.at(-1),
    m0 = run.first,
    m1 = run.last;
  if (!p0 || !p1 || !m0 || !m1 || p0 === p1) return out;
  // Prompts scored both times (an HHH score can be null for a sample kind without one).
  const hhhChange = pairedChange(m1.hhhScores, m0.hhhScores, run.o.seed);
  if (p0.hhh && p1.hhh && hhhChange) out.hhh = { before: p0.hhh, after: p1.hhh, change: hhhChange };
  if (p0.reward_heldout && p1.reward_heldout) {
    const change = pairedChange(m1.heldOutRewards, m0.heldOutRewards, run.o.seed);
    out.reward_heldout = { before: p0.reward_heldout, after: p1.reward_heldout, ...(change ? { change } : {}) };
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
