// What keeps HHH RL from gaming a small preference model: the PM's reward normalised by a running
// mean and spread (so the KL coefficient is in units of reward spread, whatever the PM's scale), an
// adaptive KL coefficient that steers the policy's KL to the starting policy toward a target
// (Ziegler et al., 2019), and the verdict on the configured KL bound, written to results.json.
import type { KlVerdict } from "../results/types.ts";

/** Running mean and variance (Welford), kept across steps and checkpoints. */
export interface NormState {
  n: number;
  mean: number;
  m2: number;
}

export const freshNorm = (): NormState => ({ n: 0, mean: 0, m2: 0 });

/** Add `xs` to the running statistics, then return them standardised by the updated mean and spread. */
export function normalise(state: NormState, xs: readonly number[]): number[] {
  for (const x of xs) {
    state.n++;
    const d = x - state.mean;
    state.mean += d / state.n;
    state.m2 += d * (x - state.mean);
  }
  // A spread of zero (one value, or all equal) leaves the centred values as they are.
  const sd = state.n > 1 ? Math.sqrt(state.m2 / (state.n - 1)) : 0;
  return xs.map((x) => (x - state.mean) / (sd > 1e-8 ? sd : 1));
}

/**
 * The KL coefficient after a step whose mean KL was `kl`: with a target, multiplied by
 * 1 + clip(kl / target - 1, -0.2, 0.2) / horizon (the proportional controller of Ziegler et al.)
 * and kept within [`min`, `max`]; without one (null), fixed.
 */
export function nextKlCoef(
  coef: number,
  kl: number,
  target: number | null,
  horizon: number,
  max: number,
  min = 0,
): number {
  if (target === null) return coef;
  const err = Math.min(0.2, Math.max(-0.2, kl / target - 1));
  return Math.max(min, Math.min(max, coef * (1 + err / horizon)));
}

/** Check the per-step KL against `bound` on a trailing mean of `window` steps (a single batch is noisy). */
export function klVerdict(kls: readonly number[], bound: number, window: number): KlVerdict {
  if (kls.length === 0) return { bound, window, max: 0, final: 0, stepsOver: 0, met: true };
  let max = -Infinity,
    over = 0,
    last = 0;
  for (let i = 0; i < kls.length; i++) {
    const w = kls.slice(Math.max(0, i - window + 1), i + 1);
    last = w.reduce((a, b) => a + b, 0) / w.length;
    if (last > max) max = last;
    if (last > bound) over++;
  }
  return { bound, window, max, final: last, stepsOver: over, met: over === 0 };
}
