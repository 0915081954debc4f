// Reading the results contract's cells the same way everywhere: curves in step order (the contract
// does not promise order), learning rates and densities written as the cell ids write them, a rate's own fields.
import type { Cell, CurvePoint, RateCI } from "./types.ts";

/** The curve sorted by step. */
export function sortedCurve(c: Pick<Cell, "curve">): CurvePoint[] {
  return [...c.curve].sort((a, b) => a.step - b.step);
}

/** A learning rate as cell ids and labels write it: 3e-4, 1e-3, 2.5e-5. */
export function formatLr(lr: number): string {
  return lr.toExponential().replace("e+", "e");
}

/** A backdoor data density as cell ids and labels write it: 0.25, 0.1. */
export function formatDensity(density: number): string {
  return String(density);
}

/** A rate's own four fields, without what a wider record carries besides (a pooled rate's design effect). */
export function rateFields(r: RateCI): RateCI {
  return { rate: r.rate, lo: r.lo, hi: r.hi, n: r.n };
}
