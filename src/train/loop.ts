// The one supervised step every SFT-like stage uses: masked token loss with gradient accumulation
// (and data-parallel shares), plus periodic held-out loss and callbacks. Schedule, checkpoints,
// resume and logging are the trainer's (src/train/trainer.ts).
import {
  crossEntropy,
  keep,
  tidy,
  noGrad,
  runPrecision,
  withAutocast,
  type Precision,
  type Tensor,
} from "../torch/index.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { batchIndices, collate, type Example } from "./batches.ts";
import { checkDist, localShare, lossScale, reduceStep } from "./dist.ts";
import { runTrainer, type StepReport, type TrainerOptions } from "./trainer.ts";

/** The trainer's options (schedule, checkpoints, log, data parallelism) and the supervised step's own. */
export interface TrainOptions extends TrainerOptions {
  batchSize: number;
  gradAccum?: number;
  /** Held-out loss every N steps (0: never). */
  evalEvery?: number;
  evalExamples?: Example[];
  /** Called at step 0 and every `callbackEvery` steps with the model in its current state. */
  callbackEvery?: number;
  onCallback?: (step: number) => void;
  /** Dropout on (default) or off. */
  train?: boolean;
  /** Matrix precision on CUDA (resolved: bf16 autocast, tf32 or f32); default f32. */
  precision?: Exclude<Precision, "auto">;
  /** State of the caller (e.g. its eval curve) saved with each resumable checkpoint ... */
  extraState?: () => unknown;
  /** ... and handed back when a run resumes from it. */
  onResume?: (extra: unknown) => void;
}

export interface TrainResult {
  losses: number[];
  evalLosses: Array<{ step: number; loss: number }>;
  resumedFrom: number;
}

export function heldOutLoss(model: CausalLM, tok: TextTokenizer, examples: Example[], batchSize = 32): number {
  let total = 0,
    count = 0;
  noGrad(() => {
    for (let i = 0; i < examples.length; i += batchSize) {
      tidy(() => {
        const b = collate(examples.slice(i, i + batchSize), tok.padId, model.contextLength, model.device);
        const V = model.vocabSize;
        const { logits } = model.forward(b.x);
        const l = crossEntropy(logits!.view(-1, V), b.y, { weights: b.w, reduction: "sum" });
        total += l.item();
        count += b.w.sum().item();
      });
    }
  });
  return total / Math.max(1, count);
}

export function trainSupervised(
  model: CausalLM,
  tok: TextTokenizer,
  examples: Example[],
  o: TrainOptions,
): TrainResult {
  if (examples.length === 0) throw new Error("no training examples");
  const accum = o.gradAccum ?? 1;
  const V = model.vocabSize;
  let evalLosses: TrainResult["evalLosses"] = [];
  const dist = o.dist && o.dist.worldSize > 1 ? o.dist : undefined;
  if (dist) checkDist(dist, o.batchSize);
  const lead = !dist || dist.rank === 0;
  const precision = o.precision ?? (model.device === "cpu" ? "f32" : runPrecision());

  // On a GPU the step's loss stays there (summed over micro-batches; the trainer reads it back every few steps);
  // data-parallel steps reduce their loss across ranks as a number.
  const deferLoss = model.device !== "cpu" && !dist;
  const step = (step: number, opt: Optimizer): StepReport => {
    let loss = 0,
      tokens = 0;
    let lossT: Tensor | undefined;
    for (let a = 0; a < accum; a++) {
      const global = batchIndices(examples.length, o.batchSize, step * accum + a, o.seed);
      const idx = dist ? localShare(global, dist) : global;
      const f = dist ? lossScale(examples, global, idx, model.contextLength, dist) : 1;
      loss += tidy(() => {
        const b = collate(
          idx.map((i) => examples[i]),
          tok.padId,
          model.contextLength,
          model.device,
        );
        tokens += b.tokens;
        // Targets without loss are already -100 (ignored); with all weights 1 the weights change nothing.
        // bf16 autocasts the forward pass and loss only (float32 master weights; backward outside it).
        const l = withAutocast(precision, () => {
          // Dropout (the model's and a LoRA adapter's) acts in this training forward pass only.
          const { logits } = model.forward(b.x, { train: o.train ?? true });
          return crossEntropy(logits!.view(-1, V), b.y, b.uniform ? {} : { weights: b.w });
        });
        const scaled = f !== 1 ? l.mul(f / accum) : accum > 1 ? l.div(accum) : l;
        scaled.backward();
        if (deferLoss) {
          const part = l.detach().div(accum);
          const sum = lossT ? lossT.add(part) : part;
          lossT?.dispose();
          lossT = keep(sum);
          return 0;
        }
        return (f !== 1 ? l.item() * f : l.item()) / accum;
      });
    }
    if (dist) loss = reduceStep(opt, loss, dist);
    opt.step();
    opt.zeroGrad();
    const done = step + 1;
    const log: Record<string, number> = {};
    if (lead && o.evalEvery && o.evalExamples?.length && (done % o.evalEvery === 0 || done === o.steps)) {
      log.eval_loss = heldOutLoss(model, tok, o.evalExamples);
      evalLosses.push({ step: done, loss: log.eval_loss });
    }
    return { loss: lossT ?? loss, log, tokens };
  };

  const callback = o.onCallback;
  const r = runTrainer(model, tok, o, {
    step,
    onStart: callback && (() => callback(0)),
    afterStep:
      callback && o.callbackEvery
        ? (done) => {
            if (done % o.callbackEvery! === 0 || done === o.steps) callback(done);
          }
        : undefined,
    state: () => ({ evalLosses, extra: o.extraState?.() }),
    restore: (s) => {
      const saved = s as { evalLosses?: TrainResult["evalLosses"]; extra?: unknown } | undefined;
      evalLosses = saved?.evalLosses ?? [];
      o.onResume?.(saved?.extra);
    },
  });
  return { losses: r.losses, evalLosses, resumedFrom: r.resumedFrom };
}
