// Rates with 95% intervals. Wilson score intervals for one proportion, Newcombe's hybrid score
// interval (his method 10) for a difference of two independent proportions, and seeded
// percentile-bootstrap intervals for means. All intervals default to 95% (z = 1.959964).
import { Rng } from "../util/rng.ts";

const Z95 = 1.959963984540054;

/** A rate as the results contract wants it: fraction in [0, 1] with a 95% interval. */
export interface Rate {
  rate: number;
  lo: number;
  hi: number;
  n: number;
  k: number;
}

function checkCounts(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0 || k < 0 || k > n) {
    throw new Error(`bad counts k=${k}, n=${n} (need integers with 0 <= k <= n)`);
  }
}

/**
 * Wilson score interval (Wilson 1927; method 3 of Newcombe 1998a). With n = 0 there is no data:
 * rate 0 and the whole [0, 1] as the interval, so JSON consumers still get numbers.
 */
export function wilson(k: number, n: number, z = Z95): Rate {
  checkCounts(k, n);
  if (n === 0) return { rate: 0, lo: 0, hi: 1, n, k };
  return { rate: k / n, ...wilsonBounds(k / n, n, z), n, k };
}

/** Wilson's bounds for an observed rate p over an effective sample size n (need not be an integer). */
function wilsonBounds(p: number, n: number, z: number): { lo: number; hi: number } {
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: p === 0 ? 0 : Math.max(0, center - half), hi: p === 1 ? 1 : Math.min(1, center + half) };
}

/** A rate pooled over clusters (seeds): Rate plus how much the clusters widened its interval. */
export interface ClusteredRate extends Rate {
  /** Clusters pooled. */
  clusters: number;
  /** Kish's design effect: the variance of the mean of the cluster rates over the binomial variance of the pooled rate (>= 1). */
  designEffect: number;
}

/**
 * A proportion pooled over clusters (e.g. the same measurement on models trained from different
 * seeds), with a Wilson interval on the effective sample size n / deff. deff (Kish) compares the
 * spread of the cluster rates with binomial noise, so seeds that disagree widen the interval beyond
 * what the prompt count alone would give; never narrower than the pooled Wilson interval. With one
 * cluster, or clusters all at 0 or all at 1, it is the pooled Wilson interval. The point estimate is the
 * pooled rate (sum k / sum n), which weights clusters by their prompt counts.
 */
export function clusteredWilson(groups: ReadonlyArray<{ k: number; n: number }>, z = Z95): ClusteredRate {
  for (const g of groups) checkCounts(g.k, g.n);
  const used = groups.filter((g) => g.n > 0);
  const k = used.reduce((a, g) => a + g.k, 0);
  const n = used.reduce((a, g) => a + g.n, 0);
  if (n === 0) return { rate: 0, lo: 0, hi: 1, n: 0, k: 0, clusters: used.length, designEffect: 1 };
  const p = k / n;
  let deff = 1;
  if (used.length > 1 && p > 0 && p < 1) {
    const rates = used.map((g) => g.k / g.n);
    const mean = rates.reduce((a, r) => a + r, 0) / rates.length;
    const between = rates.reduce((a, r) => a + (r - mean) ** 2, 0) / (rates.length - 1);
    deff = Math.max(1, between / rates.length / ((p * (1 - p)) / n));
  }
  return { rate: p, ...wilsonBounds(p, n / deff, z), n, k, clusters: used.length, designEffect: deff };
}

/** Rate of `true` values in a list of booleans, with its Wilson interval. */
export function rateOf(values: readonly boolean[], z = Z95): Rate {
  let k = 0;
  for (const v of values) if (v) k++;
  return wilson(k, values.length, z);
}

export interface Diff {
  diff: number;
  lo: number;
  hi: number;
}

/**
 * Interval for p1 - p2 from two independent samples: Newcombe's (1998b) hybrid score method 10,
 * built from the two Wilson intervals. Example from the paper: 56/70 vs 48/80 -> [0.0524, 0.3339].
 */
export function newcombeDiff(k1: number, n1: number, k2: number, n2: number, z = Z95): Diff {
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = a.rate - b.rate;
  const lo = d - Math.sqrt((a.rate - a.lo) ** 2 + (b.hi - b.rate) ** 2);
  const hi = d + Math.sqrt((a.hi - a.rate) ** 2 + (b.rate - b.lo) ** 2);
  return { diff: d, lo: Math.max(-1, lo), hi: Math.min(1, hi) };
}

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  iters?: number;
  /** Seed of the resampling stream (default 0): same seed, same interval. */
  seed?: number | string;
  /** Coverage (default 0.95). */
  level?: number;
}

export interface MeanInterval {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** Linear interpolation quantile of sorted values (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/** Percentile bootstrap interval for the mean of `values` (booleans count as 0/1). */
export function bootstrapMean(values: readonly (number | boolean)[], opts: BootstrapOptions = {}): MeanInterval {
  const xs = values.map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n: 0 };
  if (xs.some((x) => !Number.isFinite(x))) throw new Error("bootstrapMean: values must be finite numbers");
  const iters = opts.iters ?? 2000;
  const level = opts.level ?? 0.95;
  if (!(iters >= 1) || !(level > 0 && level < 1))
    throw new Error(`bootstrapMean: need iters >= 1 and 0 < level < 1 (got ${iters}, ${level})`);
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const rng = Rng.derive(opts.seed ?? 0, "bootstrap-mean");
  const means = new Float64Array(iters);
  for (let b = 0; b < iters; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rng.float() * n)];
    means[b] = s / n;
  }
  const sorted = Array.from(means).sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return { mean, lo: quantile(sorted, alpha), hi: quantile(sorted, 1 - alpha), n };
}
