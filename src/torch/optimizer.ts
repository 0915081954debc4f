// The contract every optimiser of the trainer keeps (AdamW, SGD with momentum, Adafactor), and the pieces
// they share: parameter groups, global-norm gradient clipping, and named checkpoint state.
import { native } from "./native.ts";
import { Tensor } from "./tensor.ts";
import type { OptimizerName } from "./optimizer-names.ts";

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimiser's weight decay for this group (e.g. 0 for biases and LayerNorm). */
  weightDecay?: number;
}

/** What every optimiser takes: the trainer schedules `lr` per step, decays the groups, clips the global norm. */
export interface OptimizerOptions {
  lr: number;
  /** Default decay of the groups that set none (each optimiser applies it the way its reference does). */
  weightDecay?: number;
  /** Clip the global L2 norm of all gradients to this value before the step (0 or undefined: off). */
  clipNorm?: number;
}

/**
 * An optimiser's checkpoint state: the step count and its state tensors by name, `<kind>.<i>` with i the
 * parameter's index across the groups in order (AdamW `m.<i>` / `v.<i>`, SGD `momentum.<i>`, Adafactor
 * `row.<i>` / `col.<i>` for a factored parameter and `v.<i>` otherwise). `state()` hands out the live tensors.
 */
export interface OptimizerState {
  step: number;
  tensors: Record<string, Tensor>;
}

export interface Optimizer {
  /** Which optimiser this is (recorded with its checkpoint state). */
  readonly name: OptimizerName;
  /** Learning rate of the next step (the trainer sets it from the schedule before each step). */
  lr: number;
  /** Steps taken (restored on resume; data-parallel ranks take rank 0's). */
  stepCount: number;
  readonly params: Tensor[];
  readonly clipNorm: number;
  /**
   * Clip (if configured) and apply one update; returns the gradient norm before clipping (NaN if not clipping, and
   * on a GPU, where reading it back would make every step wait for the device). Parameters without a gradient are
   * left as they are.
   */
  step(): number;
  zeroGrad(): void;
  /** The live state tensors (a broadcast into them changes the optimiser) and the step. */
  state(): OptimizerState;
  /** Copy a saved state in (same names and shapes as `state()`); throws a one-line error otherwise. */
  loadState(s: OptimizerState): void;
  dispose(): void;
}

/** A flat list of tensors is one group with the optimiser's default decay. */
export function toGroups(groups: ParamGroup[] | Tensor[]): ParamGroup[] {
  return groups.length && groups[0] instanceof Tensor ? [{ params: groups as Tensor[] }] : (groups as ParamGroup[]);
}

/** torch.nn.utils.clip_grad_norm_ over all `params` (in place); the norm before clipping, NaN when off or on a GPU. */
export function clipGradients(params: Tensor[], clipNorm: number): number {
  if (!(clipNorm > 0)) return NaN;
  const onCpu = params.length === 0 || params[0].device === "cpu";
  return (
    native.clipGradNorm(
      params.map((p) => p.handle),
      clipNorm,
      onCpu,
    ) ?? NaN
  );
}

/** Copy `s` into the optimiser's own state tensors `own`: the same names, the same shapes, or a one-line error. */
export function loadNamedState(name: OptimizerName, own: Record<string, Tensor>, s: OptimizerState): void {
  if (!Number.isFinite(s.step) || s.step < 0) throw new Error(`${name} optimizer state has step ${s.step}`);
  const want = Object.keys(own),
    got = Object.keys(s.tensors);
  const missing = want.filter((k) => !Object.hasOwn(s.tensors, k)),
    extra = got.filter((k) => !Object.hasOwn(own, k));
  if (missing.length || extra.length)
    throw new Error(
      `${name} optimizer state has ${got.length} tensors, the parameters need ${want.length}` +
        (missing.length ? ` (missing ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""})` : "") +
        (extra.length ? ` (unexpected ${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", ..." : ""})` : ""),
    );
  for (const k of want) {
    const a = own[k].shape,
      b = s.tensors[k].shape;
    if (a.length !== b.length || a.some((d, i) => d !== b[i]))
      throw new Error(`${name} optimizer state '${k}' has shape [${b}], the parameter needs [${a}]`);
  }
  for (const k of want) own[k].copy_(s.tensors[k]);
}
