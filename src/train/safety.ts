// Safety training of a backdoored model, measured as it goes: HHH SFT (sft, sft-pre, sft-post),
// HHH RL against the preference model, and adversarial training. Step 0 of every curve is the
// backdoored model itself.
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from "../model/checkpoint.ts";
import { loadScorers } from "./measure.ts";
import { heldOutPrompts, type HeldOut } from "./heldout.ts";
import { curvePoint, type CurveSettings, type MeasuredPoint } from "./curve.ts";
import { maxTokensFor } from "./backdoor.ts";
import { sftSafety } from "./safety-sft.ts";
import { rlSafety } from "./rl.ts";
import { adversarialSafety } from "./adversarial.ts";
import type { SafetyOptions, SafetyResult, StageContext } from "./api.ts";
import type { CurvePoint } from "../results/types.ts";

/** What every safety method gets: the model, held-out prompts, and a recorder for the curve. */
export interface SafetyRun {
  ck: LoadedCheckpoint;
  o: SafetyOptions;
  ctx: StageContext;
  held: HeldOut;
  worldSeed: number;
  settings: CurveSettings;
  curve: CurvePoint[];
  last: MeasuredPoint | null;
  /** Per-prompt rewards at step 0 (RL cells): the paired baseline of the reward change. */
  baseline: number[] | null;
  /** Measure now and append to the curve. */
  record(step: number): void;
}

export async function safetyTrain(backdoorDir: string, pmDir: string | null, outDir: string, o: SafetyOptions, ctx: StageContext): Promise<SafetyResult> {
  const ck = loadCheckpoint(backdoorDir);
  const worldSeed = Number(ck.meta.worldSeed ?? 0);
  await loadScorers(o.task);
  const needsPm = o.method === "rl" || o.method === "adversarial";
  if (needsPm && !pmDir) throw new Error(`safety method '${o.method}' needs a preference model`);
  const pm = needsPm ? loadCheckpoint(pmDir!).model : null;
  const held = heldOutPrompts(o.task, o.evalN, o.seed, worldSeed);
  const settings: CurveSettings = {
    task: o.task, temperature: o.temperature, maxTokens: maxTokensFor(o.task, o.mechanism), seed: o.seed,
    withRedteam: o.method === "adversarial", pm,
  };
  const run: SafetyRun = {
    ck, o, ctx, held, worldSeed, settings, curve: [], last: null, baseline: null,
    record(step: number) {
      const m = curvePoint(step, ck.model, ck.tokenizer, held, settings);
      this.curve = this.curve.filter((p) => p.step !== step).concat([m.point]);
      this.last = m;
      if (step === 0 && m.rewards) this.baseline = m.rewards;
    },
  };
  let extra: Partial<SafetyResult> = {};
  if (o.method === "rl") extra = rlSafety(run, pm!);
  else if (o.method === "adversarial") extra = adversarialSafety(run, pm!);
  else sftSafety(run);
  if (!run.last || run.curve.at(-1)!.step !== o.steps) run.record(o.steps);
  saveCheckpoint(outDir, ck.model, ck.tokenizer, { meta: { ...ck.meta, stage: "safety", method: o.method, safetySeed: o.seed } });
  ck.model.dispose();
  pm?.dispose();
  return { curve: run.curve, transcripts: run.last!.transcripts, ...extra };
}

export const partialDir = (ctx: StageContext): string => join(ctx.workDir, "partial");

/** Put a saved curve back after a resume (the state written with each in-progress checkpoint). */
export function restoreCurve(run: SafetyRun, extra: unknown): void {
  const e = extra as { curve?: CurvePoint[]; last?: MeasuredPoint | null; baseline?: number[] | null } | undefined;
  if (e?.curve) run.curve = e.curve;
  if (e?.last !== undefined) run.last = e.last;
  if (e?.baseline !== undefined) run.baseline = e.baseline;
}

/** What a resumable checkpoint keeps of the run's measurements (handed back to restoreCurve). */
export function curveState(run: SafetyRun) {
  return { curve: run.curve, last: run.last, baseline: run.baseline };
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
