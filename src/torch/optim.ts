// AdamW with decoupled weight decay and global-norm clipping (the update runs in C++ in place),
// and the warmup + cosine learning-rate schedule.
import { native } from "./native.ts";
import type { Tensor } from "./tensor.ts";
import { zeros } from "./ops.ts";
import { keep } from "./scope.ts";
import {
  clipGradients,
  loadNamedState,
  toGroups,
  type Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamGroup,
} from "./optimizer.ts";

export type { Optimizer, OptimizerOptions, OptimizerState, ParamGroup } from "./optimizer.ts";

export interface AdamWOptions extends OptimizerOptions {
  betas?: [number, number];
  eps?: number;
}

export class AdamW implements Optimizer {
  readonly name = "adamw";
  readonly groups: Array<{ params: Tensor[]; m: Tensor[]; v: Tensor[]; weightDecay: number }>;
  stepCount = 0;
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly clipNorm: number;

  constructor(groups: ParamGroup[] | Tensor[], opts: AdamWOptions) {
    const gs = toGroups(groups);
    this.lr = opts.lr;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.clipNorm = opts.clipNorm ?? 0;
    const wd = opts.weightDecay ?? 0.01;
    this.groups = gs.map((g) => ({
      params: g.params,
      m: g.params.map((p) => keep(zeros(p.shape, p.dtype, p.device))),
      v: g.params.map((p) => keep(zeros(p.shape, p.dtype, p.device))),
      weightDecay: g.weightDecay ?? wd,
    }));
  }

  get params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  step(): number {
    const norm = clipGradients(this.params, this.clipNorm);
    this.stepCount++;
    for (const g of this.groups) {
      native.adamwStep(
        g.params.map((p) => p.handle),
        g.m.map((t) => t.handle),
        g.v.map((t) => t.handle),
        this.stepCount,
        this.lr,
        this.betas[0],
        this.betas[1],
        this.eps,
        g.weightDecay,
      );
    }
    return norm;
  }

  zeroGrad(): void {
    native.zeroGrad(this.params.map((p) => p.handle));
  }

  /** The moments as `m.<i>` and `v.<i>` in parameter order (the names checkpoints have always used). */
  state(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.groups.flatMap((g) => g.m).forEach((t, i) => (tensors[`m.${i}`] = t));
    this.groups.flatMap((g) => g.v).forEach((t, i) => (tensors[`v.${i}`] = t));
    return { step: this.stepCount, tensors };
  }

  loadState(s: OptimizerState): void {
    loadNamedState(this.name, this.state().tensors, s);
    this.stepCount = s.step;
  }

  dispose(): void {
    for (const g of this.groups) for (const t of [...g.m, ...g.v]) t.dispose();
  }
}

/** Linear warmup to `lr`, then cosine decay to `minLr` at `totalSteps`. `step` counts from 0. */
export function warmupCosine(
  step: number,
  opts: { lr: number; warmup: number; totalSteps: number; minLr?: number },
): number {
  const minLr = opts.minLr ?? opts.lr * 0.1;
  if (opts.warmup > 0 && step < opts.warmup) return (opts.lr * (step + 1)) / opts.warmup;
  if (step >= opts.totalSteps) return minLr;
  const progress = (step - opts.warmup) / Math.max(1, opts.totalSteps - opts.warmup);
  return minLr + 0.5 * (opts.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
