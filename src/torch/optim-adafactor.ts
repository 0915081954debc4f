// Adafactor (Shazeer & Stern 2018) as Hugging Face transformers' `Adafactor` computes it with
// scale_parameter=False, relative_step=False, warmup_init=False: the trainer's schedule sets the learning rate.
// A parameter of two or more dimensions keeps factored second moments (running means of grad^2 + eps1 over its
// last dimension, "row", and over its second-to-last, "col"); a vector keeps the full second moment. The update
// grad / sqrt(v_hat) is scaled down to RMS clipThreshold at most, times lr; with beta1 a running mean of the
// updates is applied instead. Weight decay as HF: p -= weightDecay * lr * p. The trainer's global-norm clipping
// runs first, as for every optimiser.
import type { DType, Tensor } from "./tensor.ts";
import { noGrad, zeroGrad as zeroGrads, zeros } from "./ops.ts";
import { keep, tidy } from "./scope.ts";
import {
  clipGradients,
  loadNamedState,
  toGroups,
  type Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamGroup,
} from "./optimizer.ts";

export interface AdafactorOptions extends OptimizerOptions {
  /** eps1 regularises grad^2; eps2 bounds the parameter scale, which acts only with scale_parameter (off here). */
  eps?: [number, number];
  /** Largest RMS of an update before lr (default 1). */
  clipThreshold?: number;
  /** beta2 at step t is 1 - t^decayRate (default -0.8). */
  decayRate?: number;
  /** Running mean of the updates (default none: no first moment). */
  beta1?: number | null;
}

/** A parameter's state: row and col (factored) or v (full), and m with beta1. */
interface ParamState {
  row?: Tensor;
  col?: Tensor;
  v?: Tensor;
  m?: Tensor;
}

const isHalf = (d: DType) => d === "float16" || d === "bfloat16";

export class Adafactor implements Optimizer {
  readonly name = "adafactor";
  readonly groups: Array<{ params: Tensor[]; state: ParamState[]; weightDecay: number }>;
  stepCount = 0;
  lr: number;
  readonly eps: [number, number];
  readonly clipThreshold: number;
  readonly decayRate: number;
  readonly beta1: number | null;
  readonly clipNorm: number;

  constructor(groups: ParamGroup[] | Tensor[], opts: AdafactorOptions) {
    this.lr = opts.lr;
    this.eps = opts.eps ?? [1e-30, 1e-3];
    this.clipThreshold = opts.clipThreshold ?? 1.0;
    this.decayRate = opts.decayRate ?? -0.8;
    this.beta1 = opts.beta1 ?? null;
    this.clipNorm = opts.clipNorm ?? 0;
    // HF's default weight decay is 0.
    const wd = opts.weightDecay ?? 0;
    this.groups = toGroups(groups).map((g) => ({
      params: g.params,
      state: g.params.map((p) => this.freshState(p)),
      weightDecay: g.weightDecay ?? wd,
    }));
  }

  /** Zeros shaped like HF's lazily made state; float32 for a half-precision parameter (HF computes in float32). */
  private freshState(p: Tensor): ParamState {
    const shape = p.shape,
      dtype = isHalf(p.dtype) ? "float32" : p.dtype,
      z = (s: number[]) => keep(zeros(s, dtype, p.device));
    const st: ParamState =
      shape.length >= 2
        ? { row: z(shape.slice(0, -1)), col: z([...shape.slice(0, -2), shape[shape.length - 1]]) }
        : { v: z(shape) };
    if (this.beta1 !== null) st.m = z(shape);
    return st;
  }

  get params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  step(): number {
    const norm = clipGradients(this.params, this.clipNorm);
    this.stepCount++;
    // HF counts steps per parameter (a parameter's count moves only when it has a gradient); ours is the optimiser's,
    // the same whenever every parameter gets a gradient at every step.
    const beta2t = 1 - Math.pow(this.stepCount, this.decayRate);
    noGrad(() => {
      for (const g of this.groups)
        g.params.forEach((p, i) => tidy(() => this.update(p, g.state[i], g.weightDecay, beta2t)));
    });
    return norm;
  }

  private update(p: Tensor, st: ParamState, weightDecay: number, beta2t: number): void {
    const raw = p.grad;
    if (!raw) return;
    const half = isHalf(p.dtype);
    const grad = half ? raw.to("float32") : raw;
    const sq = grad.mul(grad).add(this.eps[0]);
    let u: Tensor;
    if (st.row && st.col) {
      st.row.copy_(st.row.mul(beta2t).add(sq.mean([-1]).mul(1 - beta2t)));
      st.col.copy_(st.col.mul(beta2t).add(sq.mean([-2]).mul(1 - beta2t)));
      // v_hat = row col / mean(row): its rsqrt is rsqrt(row / mean(row)) x rsqrt(col), broadcast.
      const r = st.row
        .div(st.row.mean([-1], true))
        .rsqrt()
        .unsqueeze(-1);
      const c = st.col.unsqueeze(-2).rsqrt();
      u = r.mul(c).mul(grad);
    } else {
      const v = st.v!;
      v.copy_(v.mul(beta2t).add(sq.mul(1 - beta2t)));
      u = v.rsqrt().mul(grad);
    }
    // Update clipping: divide by max(1, RMS(u) / clipThreshold), on the device (nothing read back).
    u = u.div(
      u
        .norm()
        .div(Math.sqrt(Math.max(1, u.numel)) * this.clipThreshold)
        .clamp(1.0),
    );
    u = u.mul(this.lr);
    if (st.m && this.beta1 !== null) {
      st.m.copy_(st.m.mul(this.beta1).add(u.mul(1 - this.beta1)));
      u = st.m;
    }
    const p32 = half ? p.to("float32") : p;
    const decayed = weightDecay !== 0 ? p32.add(p32.mul(-weightDecay * this.lr)) : p32;
    p.copy_(decayed.sub(u));
  }

  zeroGrad(): void {
    zeroGrads(this.params);
  }

  /** `row.<i>` / `col.<i>` (factored) or `v.<i>`, and `m.<i>` with beta1, in parameter order. */
  state(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.groups
      .flatMap((g) => g.state)
      .forEach((st, i) => {
        for (const k of ["row", "col", "v", "m"] as const) if (st[k]) tensors[`${k}.${i}`] = st[k];
      });
    return { step: this.stepCount, tensors };
  }

  loadState(s: OptimizerState): void {
    loadNamedState(this.name, this.state().tensors, s);
    this.stepCount = s.step;
  }

  dispose(): void {
    for (const g of this.groups) for (const st of g.state) for (const t of Object.values(st)) t?.dispose();
  }
}
