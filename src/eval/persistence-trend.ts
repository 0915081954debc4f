// The size trend of the persistence map: how the final trigger rate changes per tenfold increase in
// parameters, fitted over every seed's own final rate, with a 95% interval from a two-level bootstrap
// (seeds resampled within each size, then each seed's prompts redrawn from its rate), so the interval
// counts both the seed-to-seed spread and the finite number of prompts behind each rate.
import type { PersistenceMapRow, PersistenceTrend } from "../results/types.ts";
import { groupBy } from "../util/group.ts";
import { Rng } from "../util/rng.ts";

/** Bootstrap replicates per fit: enough for stable 2.5% / 97.5% percentiles at two decimals. */
export const TREND_BOOTSTRAP = 2000;
/** The fewest distinct sizes a fit is made over (two points always lie on a line). */
export const TREND_MIN_SIZES = 3;

interface Point {
  /** log10 of the parameter count. */
  x: number;
  /** The group the point belongs to (its learning rate in a pooled fit): each group gets its own intercept. */
  group: string;
  rate: number;
  n: number;
}

/** Least squares slope with one intercept per group (the within-group slope, pooled). NaN when x does not vary. */
export function groupedSlope(points: ReadonlyArray<Pick<Point, "x" | "group" | "rate">>): number {
  let sxy = 0;
  let sxx = 0;
  for (const g of groupBy(points, (p) => p.group).values()) {
    const mx = g.reduce((a, p) => a + p.x, 0) / g.length;
    const my = g.reduce((a, p) => a + p.rate, 0) / g.length;
    for (const p of g) {
      sxy += (p.x - mx) * (p.rate - my);
      sxx += (p.x - mx) ** 2;
    }
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/** One row's seeds as points: each seed's final rate over its share of the pooled prompts. */
function rowPoints(row: PersistenceMapRow, group: string): Point[] {
  const n = Math.max(1, Math.round(row.final.n / Math.max(1, row.per_seed.length)));
  return row.per_seed.map((s) => ({ x: Math.log10(row.params!), group, rate: s.final, n }));
}

function binomialRate(rng: Rng, rate: number, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.float() < rate) k++;
  return k / n;
}

/** The 95% percentile interval of the slope over bootstrap replicates of the rows' seeds and prompts. */
function bootstrapInterval(rows: Point[][], rng: Rng, replicates: number): [number, number] {
  const slopes: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const sample: Point[] = [];
    for (const seeds of rows)
      for (let i = 0; i < seeds.length; i++) {
        const p = seeds[Math.floor(rng.float() * seeds.length)];
        sample.push({ ...p, rate: binomialRate(rng, p.rate, p.n) });
      }
    const s = groupedSlope(sample);
    if (Number.isFinite(s)) slopes.push(s);
  }
  slopes.sort((a, b) => a - b);
  const at = (q: number) => slopes[Math.min(slopes.length - 1, Math.max(0, Math.round(q * (slopes.length - 1))))];
  return slopes.length > 0 ? [at(0.025), at(0.975)] : [NaN, NaN];
}

/** The coordinates a trend is fitted within: everything of a map row but its size (and, pooled, its lr). */
function trendKey(r: PersistenceMapRow, pooledLr: boolean): string {
  const { size: _s, params: _p, seeds: _se, steps: _st, per_seed: _ps, lr, ...rest } = r;
  const coords = Object.entries(rest).filter(([, v]) => typeof v !== "object" || v === null);
  return JSON.stringify([...coords.sort(([a], [b]) => a.localeCompare(b)), ["lr", pooledLr ? "all" : lr]]);
}

function fit(rows: PersistenceMapRow[], lr: number | null | "all", seed: string, replicates: number): PersistenceTrend {
  const byRow = rows.map((r) => rowPoints(r, String(r.lr)));
  const points = byRow.flat();
  const slope = groupedSlope(points);
  const [lo, hi] = bootstrapInterval(byRow, Rng.derive(seed, "persistence-trend"), replicates);
  const paramsOf = (s: string) => rows.find((r) => r.size === s)!.params!;
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => paramsOf(a) - paramsOf(b));
  const params = sizes.map(paramsOf);
  const { task, mechanism, safety, optimizer, density } = rows[0];
  return {
    task,
    mechanism,
    safety,
    lr,
    ...(optimizer !== undefined ? { optimizer } : {}),
    ...(density !== undefined ? { density } : {}),
    sizes,
    params,
    points: points.length,
    slope_per_decade: slope,
    lo,
    hi,
    replicates,
  };
}

/**
 * The size trend of every group of map rows that spans at least TREND_MIN_SIZES sizes with a recorded
 * parameter count: one fit per learning rate, and one over all learning rates (one intercept per rate)
 * where there are several. The bootstrap's stream is derived from the group's coordinates, so the same
 * rows give the same interval.
 */
export function persistenceTrends(
  rows: readonly PersistenceMapRow[],
  replicates = TREND_BOOTSTRAP,
): PersistenceTrend[] {
  const sized = rows.filter((r) => r.params !== undefined && r.params > 0 && r.per_seed.length > 0);
  const out: PersistenceTrend[] = [];
  for (const pooledLr of [false, true]) {
    for (const [key, g] of groupBy(sized, (r) => trendKey(r, pooledLr))) {
      if (new Set(g.map((r) => r.size)).size < TREND_MIN_SIZES) continue;
      const lrs = new Set(g.map((r) => r.lr));
      if (pooledLr && lrs.size < 2) continue;
      out.push(fit(g, pooledLr ? "all" : g[0].lr, key, replicates));
    }
  }
  return out;
}
