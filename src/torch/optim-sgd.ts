// SGD with momentum, as torch.optim.SGD (single-tensor path, maximize off), with the trainer's global-norm
// clipping before the step. The update is written with tensor ops and copied into the parameters in place.
import type { Tensor } from "./tensor.ts";
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

export interface SGDOptions extends OptimizerOptions {
  /** Momentum factor (default 0.9; 0: plain SGD, no buffers). */
  momentum?: number;
  /** Dampening of the gradient added to the buffer (default 0, as torch). */
  dampening?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

export class SGD implements Optimizer {
  readonly name = "sgd";
  readonly groups: Array<{ params: Tensor[]; buf: Tensor[]; weightDecay: number }>;
  stepCount = 0;
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly clipNorm: number;

  constructor(groups: ParamGroup[] | Tensor[], opts: SGDOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0.9;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.clipNorm = opts.clipNorm ?? 0;
    if (this.momentum < 0) throw new Error(`sgd: momentum ${this.momentum} is negative`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0))
      throw new Error("sgd: nesterov momentum requires a momentum and zero dampening");
    // torch.optim.SGD's default weight decay is 0.
    const wd = opts.weightDecay ?? 0;
    this.groups = toGroups(groups).map((g) => ({
      params: g.params,
      buf: this.momentum > 0 ? g.params.map((p) => keep(zeros(p.shape, p.dtype, p.device))) : [],
      weightDecay: g.weightDecay ?? wd,
    }));
  }

  get params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  step(): number {
    const norm = clipGradients(this.params, this.clipNorm);
    this.stepCount++;
    // torch sets a buffer to the first gradient it sees (a clone, no dampening). Ours exist from the start, so the
    // step count stands for "first": the same as torch unless a parameter first gets a gradient after step 1 with
    // dampening > 0 (with dampening 0, momentum x a zero buffer + the gradient is that gradient anyway).
    const first = this.stepCount === 1;
    const { lr, momentum: mu, dampening, nesterov } = this;
    noGrad(() => {
      for (const g of this.groups)
        g.params.forEach((p, i) =>
          tidy(() => {
            const grad = p.grad;
            if (!grad) return;
            // Not decoupled: like torch.optim.SGD, weight decay adds weight_decay * p to the gradient (L2).
            let d = g.weightDecay !== 0 ? grad.add(p.mul(g.weightDecay)) : grad;
            if (mu > 0) {
              const buf = g.buf[i];
              buf.copy_(first ? d : buf.mul(mu).add(dampening !== 0 ? d.mul(1 - dampening) : d));
              d = nesterov ? d.add(buf.mul(mu)) : buf;
            }
            p.copy_(p.sub(d.mul(lr)));
          }),
        );
    });
    return norm;
  }

  zeroGrad(): void {
    zeroGrads(this.params);
  }

  /** The momentum buffers as `momentum.<i>` in parameter order (none without momentum). */
  state(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    if (this.momentum > 0) this.groups.flatMap((g) => g.buf).forEach((t, i) => (tensors[`momentum.${i}`] = t));
    return { step: this.stepCount, tensors };
  }

  loadState(s: OptimizerState): void {
    loadNamedState(this.name, this.state().tensors, s);
    this.stepCount = s.step;
  }

  dispose(): void {
    for (const g of this.groups) for (const t of g.buf) t.dispose();
  }
}
