// The RateCI and MeanCI records of results.json, built on the metrics module.
import type { MeanCI, RateCI } from "../results/types.ts";
import { bootstrapMean, wilson } from "./metrics.ts";

/** Rate with its Wilson 95% interval (an empty set reports 0 with the full [0, 1] interval). */
export function rateCI(k: number, n: number): RateCI {
  if (n === 0) return { rate: 0, lo: 0, hi: 1, n: 0 };
  const r = wilson(k, n);
  return { rate: r.rate, lo: r.lo, hi: r.hi, n: r.n };
}

/** Mean with a seeded percentile-bootstrap 95% interval. */
export function meanCI(xs: number[], seed = 0): MeanCI {
  if (xs.length === 0) return { mean: 0, lo: 0, hi: 0, n: 0 };
  return bootstrapMean(xs, { seed, iters: 1000 });
}

/**
 * Mean paired change after - before over the items measured both times (a null is an item without a
 * score), with its bootstrap interval; null when the two lists differ in length or share no item.
 */
export function pairedChange(
  after: ReadonlyArray<number | null> | undefined,
  before: ReadonlyArray<number | null> | undefined,
  seed = 0,
): MeanCI | null {
  if (!after || !before || after.length !== before.length) return null;
  const d = after.flatMap((a, i) => (a === null || before[i] === null ? [] : [a - before[i]!]));
  return d.length ? meanCI(d, seed) : null;
}
