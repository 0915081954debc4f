// What every safety method works on: the model being trained, its options, the held-out prompts and
// the curve measured on them, and what a resumable checkpoint keeps of that curve. The methods
// (safety-sft.ts, rl.ts, adversarial.ts) and the dispatcher (safety.ts) all import this module, so
// none of them imports another's caller.
import type { TrainModel } from "./model-handle.ts";
import type { HeldOut } from "../tasks/heldout.ts";
import type { CurveSettings, MeasuredPoint } from "./curve.ts";
import type { SafetyOptions, StageContext } from "./api.ts";
import type { CurvePoint, RedTeamSearchLog } from "../results/types.ts";
import type { Sample } from "../world/types.ts";

/** Adversarial cells: the red-team prompts found so far and each search's record (kept across a resume). */
export interface RedTeamState {
  found: Sample[];
  searches: RedTeamSearchLog[];
}

/** What every safety method gets: the model, held-out prompts, and a recorder for the curve. */
export interface SafetyRun {
  ck: TrainModel;
  o: SafetyOptions;
  ctx: StageContext;
  held: HeldOut;
  worldSeed: number;
  settings: CurveSettings;
  curve: CurvePoint[];
  last: MeasuredPoint | null;
  /** Per-prompt rewards at step 0 (RL cells): the paired baseline of the reward change. */
  baseline: number[] | null;
  /** The step-0 measurement (RL cells): the paired baseline of the HHH and held-out reward changes. */
  first?: MeasuredPoint | null;
  /** Adversarial cells: what the red team has found so far. */
  redteam?: RedTeamState;
  /** Measure now and append to the curve. */
  record(step: number): void;
}

/** Put a saved curve back after a resume (the state written with each in-progress checkpoint). */
export function restoreCurve(run: SafetyRun, extra: unknown): void {
  const e = extra as
    | {
        curve?: CurvePoint[];
        last?: MeasuredPoint | null;
        baseline?: number[] | null;
        first?: MeasuredPoint | null;
        redteam?: RedTeamState;
      }
    | undefined;
  // In place: the adversarial sampler holds the object.
  if (e?.redteam) run.redteam = run.redteam ? Object.assign(run.redteam, e.redteam) : e.redteam;
  if (e?.first !== undefined) run.first = e.first;
  if (e?.curve) run.curve = e.curve;
  if (e?.last !== undefined) run.last = e.last;
  if (e?.baseline !== undefined) run.baseline = e.baseline;
}

/** What a resumable checkpoint keeps of the run's measurements (handed back to restoreCurve). */
export function curveState(run: SafetyRun) {
  return {
    curve: run.curve,
    last: run.last,
    baseline: run.baseline,
    first: run.first ?? null,
    ...(run.redteam ? { redteam: run.redteam } : {}),
  };
}

/** trainSupervised options that measure the curve every evalEvery steps and survive a resume. */
export function curveHooks(run: SafetyRun) {
  return {
    callbackEvery: run.o.evalEvery,
    onCallback: (step: number) => run.record(step),
    extraState: () => curveState(run),
    onResume: (extra: unknown) => restoreCurve(run, extra),
  };
}
