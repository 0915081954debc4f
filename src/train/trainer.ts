// The one trainer every training stage runs on: it owns the optimiser (decay / no-decay groups),
// the learning-rate schedule, the JSONL log and the progress line, per-step hooks, and the resumable
// checkpoint (weights, optimiser moments, libtorch RNG, step, loss history and the caller's state).
// A stage only says what one step does; killed at any moment and run again, it resumes from its last
// checkpoint and produces the numbers of an unbroken run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getRngState, manualSeed, setRngState } from "../torch/index.ts";
import { AdamW, warmupCosine } from "../torch/optim.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { rngFromBase64, rngToBase64, type TrainerState } from "../model/checkpoint.ts";
import { paramGroups, resumeTrainState, saveTrainState } from "./train-state.ts";
import { Progress } from "../util/progress.ts";
import { appendJsonl, parseJsonl, writeJsonl } from "../util/jsonl.ts";
import { syncStart, type DistOptions } from "./dist.ts";
import type { StageContext } from "./api.ts";

/** Steps between resumable checkpoints of the long stages (base, backdoor, preference model). */
export const CHECKPOINT_EVERY = 100;

/** Where a stage keeps its in-progress checkpoint (the runner deletes the work directory after success). */
export const partialDir = (ctx: StageContext): string => join(ctx.workDir, "partial");

export interface TrainerOptions {
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** "warmup-cosine" (default): linear warmup then cosine decay to minLr; "constant": lr throughout. */
  schedule?: "warmup-cosine" | "constant";
  /** Warmup steps (default: a tenth of the steps, at most 100). */
  warmup?: number;
  /** Learning rate at the end of the cosine (default: lr / 10). */
  minLr?: number;
  weightDecay?: number;
  /** Global gradient-norm clip (default 1). */
  clipNorm?: number;
  /** Seeds libtorch's generator (dropout) before the first step. */
  seed: number;
  /** Directory of the in-progress checkpoint, written every `checkpointEvery` steps. */
  resumeDir?: string;
  checkpointEvery?: number;
  /** JSONL log: one line per step ({step, lr, ...the step's fields}). */
  logPath?: string;
  label?: string;
  /** Data-parallel: rank 0's state is broadcast at the start; only rank 0 logs, calls hooks and checkpoints. */
  dist?: DistOptions;
}

/** What one step reports: its loss, extra JSONL fields, tokens trained on, and text for the progress line. */
export interface StepReport {
  loss: number;
  log?: Record<string, number>;
  tokens?: number;
  extra?: string;
}

export interface TrainerHooks {
  /** One step: forward, backward and the optimiser update(s), with `opt.lr` already scheduled. */
  step(step: number, opt: AdamW): StepReport;
  /** A fresh (not resumed) run, before step 1 (e.g. measure the starting model). */
  onStart?(): void;
  /** After step `done` is logged and before its checkpoint (e.g. a measurement the checkpoint must keep). */
  afterStep?(done: number): void;
  /** The caller's state saved with each checkpoint ... */
  state?(): unknown;
  /** ... and handed back when a run resumes from it. */
  restore?(state: unknown): void;
}

export interface TrainerResult {
  /** One loss per step, the resumed steps' included. */
  losses: number[];
  /** The step the run resumed from (0: a fresh run). */
  resumedFrom: number;
}

/** trainer_state.json of an in-progress checkpoint. */
interface SavedState extends TrainerState {
  losses?: number[];
  caller?: unknown;
}

export function learningRate(step: number, o: TrainerOptions): number {
  if (o.schedule === "constant") return o.lr;
  const warmup = o.warmup ?? Math.min(100, Math.floor(o.steps / 10));
  return warmupCosine(step, { lr: o.lr, warmup, totalSteps: o.steps, minLr: o.minLr });
}

/** Keep the log lines up to `step` (those after it are about to be redone) and lines that are not steps. */
function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = parseJsonl<{ step?: number }>(readFileSync(path, "utf8")).records.filter((r) => r.step === undefined || r.step <= step);
  writeJsonl(path, kept);
}

export function runTrainer(model: CausalLM, tok: TextTokenizer, o: TrainerOptions, hooks: TrainerHooks): TrainerResult {
  const groups = paramGroups(model, tok);
  const opt = new AdamW([{ params: groups.decay }, { params: groups.noDecay, weightDecay: 0 }], { lr: o.lr, weightDecay: o.weightDecay ?? 0.01, clipNorm: o.clipNorm ?? 1.0 });
  try {
    return trainWith(model, tok, opt, o, hooks);
  } finally {
    opt.dispose();
  }
}

function trainWith(model: CausalLM, tok: TextTokenizer, opt: AdamW, o: TrainerOptions, hooks: TrainerHooks): TrainerResult {
  const dist = o.dist && o.dist.worldSize > 1 ? o.dist : undefined;
  const lead = !dist || dist.rank === 0;
  const losses: number[] = [];
  manualSeed(o.seed);
  let start = 0;
  const saved = o.resumeDir ? (resumeTrainState(o.resumeDir, model, tok, opt) as SavedState | null) : null;
  if (saved) {
    start = saved.step;
    if (saved.torchRng) setRngState(rngFromBase64(saved.torchRng));
    losses.push(...(saved.losses ?? []));
    hooks.restore?.(saved.caller);
  }
  if (lead && o.logPath) truncateLog(o.logPath, start);
  if (dist) start = syncStart(opt, start, dist);

  const progress = new Progress(o.label ?? "train");
  if (start === 0 && lead) hooks.onStart?.();
  let t0 = performance.now(), tokSince = 0;
  for (let step = start; step < o.steps; step++) {
    opt.lr = learningRate(step, o);
    const r = hooks.step(step, opt);
    losses.push(r.loss);
    tokSince += r.tokens ?? 0;
    const done = step + 1;
    if (lead) {
      if (o.logPath) appendJsonl(o.logPath, { step: done, loss: r.loss, lr: opt.lr, ...r.log });
      const dt = (performance.now() - t0) / 1000;
      progress.update({ step: done, total: o.steps, loss: r.loss, extra: r.extra, tokensPerSec: tokSince ? tokSince / Math.max(dt, 1e-9) : undefined });
      hooks.afterStep?.(done);
      if (o.resumeDir && o.checkpointEvery && done % o.checkpointEvery === 0 && done < o.steps) {
        const state: SavedState = { step: done, torchRng: rngToBase64(getRngState()), losses, caller: hooks.state?.() };
        saveTrainState(o.resumeDir, model, tok, opt, state);
      }
    }
    if (done % 50 === 0) { t0 = performance.now(); tokSince = 0; }
  }
  return { losses, resumedFrom: start };
}
