// The one trainer every training stage runs on: it owns the optimiser (AdamW, SGD or Adafactor by name;
// decay / no-decay groups), the learning-rate schedule, the JSONL log and the progress line, per-step hooks,
// and the resumable checkpoint (weights, optimiser state, libtorch RNG, step, loss history and the caller's state).
// A stage only says what one step does; killed at any moment and run again, it resumes from its last
// checkpoint and produces the numbers of an unbroken run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getRngState, manualSeed, setRngState, stack, type Tensor } from "../torch/index.ts";
import { warmupCosine } from "../torch/optim.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import type { OptimizerName } from "../torch/optimizer-names.ts";
import { makeOptimizer } from "../torch/optim-factory.ts";
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

/** What a stage's supervised training takes from its settings and context: the schedule, and where it resumes and logs. */
export function stageTraining(
  o: { steps: number; batchSize: number; lr: number; seed: number; optimizer?: OptimizerName },
  ctx: StageContext,
  checkpointEvery: number,
) {
  const { steps, batchSize, lr, seed } = o;
  return {
    steps,
    batchSize,
    lr,
    seed,
    ...(o.optimizer === undefined ? {} : { optimizer: o.optimizer }),
    label: ctx.label,
    resumeDir: partialDir(ctx),
    checkpointEvery,
    logPath: ctx.logPath,
  };
}

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
  /** Weight decay of the matrices (default 0.01; norms and biases never decay), as the optimiser applies it. */
  weightDecay?: number;
  /** The optimiser, by name (default "adamw"). */
  optimizer?: OptimizerName;
  /** Global gradient-norm clip (default 1). */
  clipNorm?: number;
  /** Seeds libtorch's generator (dropout) before the first step. */
  seed: number;
  /** Directory of the in-progress checkpoint, written every `checkpointEvery` steps. */
  resumeDir?: string;
  checkpointEvery?: number;
  /** Checkpoint after the last step too: for a stage that trains more after this run (the preference stage's
   * held-out PM), so that one killed later resumes past it instead of training its last steps again. */
  checkpointAtEnd?: boolean;
  /** JSONL log: one line per step ({step, lr, ...the step's fields}). */
  logPath?: string;
  label?: string;
  /** Data-parallel: rank 0's state is broadcast at the start; only rank 0 logs, calls hooks and checkpoints. */
  dist?: DistOptions;
  /** Rows per optimiser step, named when the GPU runs out of memory (the stage's own batch size). */
  batchSize?: number;
  /** Steps between reads of device-resident losses (default: 1 on the CPU, LOSS_READ_EVERY on a GPU). */
  lossReadEvery?: number;
}

/** Steps whose losses a GPU run reads back together (one wait for the device instead of one per step). */
const LOSS_READ_EVERY = 25;

/**
 * What one step reports: its loss, extra JSONL fields, tokens trained on, and text for the progress line. The loss
 * may stay on the device as a 0-d tensor (owned by the trainer from then on): on a GPU, reading it back every step
 * would wait for the queue to drain each time, so the trainer reads such losses together every few steps.
 */
export interface StepReport {
  loss: number | Tensor;
  log?: Record<string, number>;
  tokens?: number;
  extra?: string;
}

export interface TrainerHooks {
  /** One step: forward, backward and the optimiser update(s), with `opt.lr` already scheduled. */
  step(step: number, opt: Optimizer): StepReport;
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
  const kept = parseJsonl<{ step?: number }>(readFileSync(path, "utf8")).records.filter(
    (r) => r.step === undefined || r.step <= step,
  );
  writeJsonl(path, kept);
}

/**
 * The trainer's optimiser: the named one (default AdamW) over the model's trained parameters, no decay on norms and
 * biases, clipped gradient norm.
 */
export function trainerOptimiser(
  model: CausalLM,
  tok: TextTokenizer,
  o: Pick<TrainerOptions, "lr" | "weightDecay" | "clipNorm" | "optimizer">,
): Optimizer {
  const groups = paramGroups(model, tok);
  return makeOptimizer(o.optimizer ?? "adamw", [{ params: groups.decay }, { params: groups.noDecay, weightDecay: 0 }], {
    lr: o.lr,
    weightDecay: o.weightDecay ?? 0.01,
    clipNorm: o.clipNorm ?? 1.0,
  });
}

export function runTrainer(model: CausalLM, tok: TextTokenizer, o: TrainerOptions, hooks: TrainerHooks): TrainerResult {
  const opt = trainerOptimiser(model, tok, o);
  try {
    return trainWith(model, tok, opt, o, hooks);
  } finally {
    opt.dispose();
  }
}

function trainWith(
  model: CausalLM,
  tok: TextTokenizer,
  opt: Optimizer,
  o: TrainerOptions,
  hooks: TrainerHooks,
): TrainerResult {
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

  const progress = new Progress(o.label ?? "train", undefined, undefined, start);
  if (start === 0 && lead) hooks.onStart?.();
  const readEvery = Math.max(1, o.lossReadEvery ?? (model.device === "cpu" ? 1 : LOSS_READ_EVERY));
  let t0 = performance.now(),
    tokSince = 0;
  // Steps done but not yet logged: their losses may still be on the device.
  let pending: Array<{ done: number; lr: number; r: StepReport }> = [];
  const flush = () => {
    const values = readLosses(pending.map((p) => p.r.loss));
    pending.forEach(({ done, lr, r }, i) => {
      losses.push(values[i]);
      if (!lead) return;
      if (o.logPath) appendJsonl(o.logPath, { step: done, loss: values[i], lr, ...r.log });
      const dt = (performance.now() - t0) / 1000;
      progress.update({
        step: done,
        total: o.steps,
        loss: values[i],
        extra: r.extra,
        tokensPerSec: tokSince ? tokSince / Math.max(dt, 1e-9) : undefined,
      });
    });
    pending = [];
  };
  try {
    for (let step = start; step < o.steps; step++) {
      opt.lr = learningRate(step, o);
      let r: StepReport;
      try {
        r = hooks.step(step, opt);
      } catch (e) {
        throw explainOutOfMemory(e, o, step);
      }
      const done = step + 1;
      pending.push({ done, lr: opt.lr, r });
      tokSince += r.tokens ?? 0;
      const due = o.checkpointEvery && done % o.checkpointEvery === 0 && done < o.steps;
      const checkpoint = lead && o.resumeDir && (due || (o.checkpointAtEnd && done === o.steps));
      if (pending.length >= readEvery || checkpoint || done === o.steps) flush();
      if (lead) {
        hooks.afterStep?.(done);
        if (checkpoint) {
          const state: SavedState = {
            step: done,
            torchRng: rngToBase64(getRngState()),
            losses,
            caller: hooks.state?.(),
          };
          saveTrainState(o.resumeDir!, model, tok, opt, state);
        }
      }
      if (done % 50 === 0) {
        t0 = performance.now();
        tokSince = 0;
      }
    }
  } finally {
    for (const p of pending) if (typeof p.r.loss !== "number") p.r.loss.dispose();
  }
  return { losses, resumedFrom: start };
}

/** Numbers for a run of step losses: device-resident ones are read back in one copy, then freed. */
function readLosses(ls: Array<number | Tensor>): number[] {
  const ts = ls.filter((l): l is Tensor => typeof l !== "number");
  if (ts.length === 0) return ls as number[];
  const joined = stack(ts, 0);
  const read = joined.toArray();
  joined.dispose();
  for (const t of ts) t.dispose();
  let k = 0;
  return ls.map((l) => (typeof l === "number" ? l : read[k++]));
}

/**
 * libtorch's out-of-memory error is pages long and names neither the stage nor the batch: say both, the memory asked
 * for, and the way out, in one line. Checkpoints already written stay as they are (each is written whole, then
 * renamed), so the stage resumes from its last one. Any other error passes through unchanged.
 */
export function explainOutOfMemory(e: unknown, o: Pick<TrainerOptions, "label" | "batchSize">, step: number): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (!/out of memory/i.test(msg) || !/CUDA|GPU|device/i.test(msg)) return e;
  const asked = msg.match(/Tried to allocate ([\d.]+ ?[KMGT]?i?B)/)?.[1];
  const batch = o.batchSize !== undefined ? ` at batch size ${o.batchSize}` : "";
  return new Error(
    `${o.label ?? "training"}: out of GPU memory at step ${step + 1}${batch}${asked ? ` (asked for ${asked} more)` : ""}: use a smaller batchSize, or gradAccum to keep the effective batch; finished checkpoints are kept and the stage resumes from its last one`,
  );
}
