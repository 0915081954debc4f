// AdamW with decoupled weight decay and global-norm clipping (the update runs in C++ in place),
// and the warmup + cosine learning-rate schedule.
import { native } from "./native.ts";
import { Tensor } from "./tensor.ts";
import { zeros } from "./ops.ts";
import { keep } from "./scope.ts";

export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Clip the global L2 norm of all gradients to this value before the step (0 or undefined: off). */
  clipNorm?: number;
}

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimiser's weight decay for this group (e.g. 0 for biases and LayerNorm). */
  weightDecay?: number;
}

export class AdamW {
  readonly groups: Array<{ params: Tensor[]; m: Tensor[]; v: Tensor[]; weightDecay: number }>;
  stepCount = 0;
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly clipNorm: number;

  constructor(groups: ParamGroup[] | Tensor[], opts: AdamWOptions) {
    const gs: ParamGroup[] =
      groups.length && groups[0] instanceof Tensor ? [{ params: groups as Tensor[] }] : (groups as ParamGroup[]);
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

  /**
   * Clip (if configured) and apply one update; returns the gradient norm before clipping (NaN if not clipping, and
   * on a GPU, where reading it back would make every step wait for the device).
   */
  step(): number {
    let norm = NaN;
    const onCpu = this.params.length === 0 || this.params[0].device === "cpu";
    if (this.clipNorm > 0)
      norm =
        native.clipGradNorm(
          this.params.map((p) => p.handle),
          this.clipNorm,
          onCpu,
        ) ?? NaN;
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

  /** Moment tensors in parameter order, for checkpoints. */
  state(): { step: number; m: Tensor[]; v: Tensor[] } {
    return { step: this.stepCount, m: this.groups.flatMap((g) => g.m), v: this.groups.flatMap((g) => g.v) };
  }

  loadState(s: { step: number; m: Tensor[]; v: Tensor[] }): void {
    const m = this.groups.flatMap((g) => g.m);
    const v = this.groups.flatMap((g) => g.v);
    if (s.m.length !== m.length || s.v.length !== v.length)
      throw new Error(`optimizer state has ${s.m.length} tensors, model needs ${m.length}`);
    m.forEach((t, i) => t.copy_(s.m[i]));
    v.forEach((t, i) => t.copy_(s.v[i]));
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
