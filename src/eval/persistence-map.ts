// The persistence map: each cell's final trigger rate pooled over the seeds that share every other
// coordinate (task, mechanism, safety method, size, learning rate, optimiser, backdoor data density),
// so a sweep over any of them can be read with intervals that count both the prompts and the
// seed-to-seed spread.
import type { Cell, PersistenceMapRow, PooledRate, RateCI } from "../results/types.ts";
import { sortedCurve } from "../results/cells.ts";
import { groupBy } from "../util/group.ts";
import { clusteredWilson } from "./metrics.ts";

/** A measured rate as its count: k of n. */
export const countOf = (r: RateCI) => ({ k: Math.round(r.rate * r.n), n: r.n });

/** Counts of several seeds pooled: the rate over all of them with its cluster-adjusted Wilson interval. */
export function poolCounts(counts: ReadonlyArray<{ k: number; n: number }>): PooledRate {
  const c = clusteredWilson(counts);
  return { rate: c.rate, lo: c.lo, hi: c.hi, n: c.n, design_effect: c.designEffect };
}

const pooled = (rates: RateCI[]): PooledRate => poolCounts(rates.map(countOf));

/** The coordinates a map row pools over seeds within. */
const keyOf = (c: Cell) =>
  JSON.stringify([c.task, c.mechanism, c.safety, c.size, c.lr ?? null, c.optimizer ?? null, c.density ?? null]);

/**
 * One row per (task, mechanism, safety, size, lr, optimizer, density): the trigger rate before safety training (step 0)
 * and at its last evaluation, pooled over seeds with a cluster-adjusted Wilson interval, and each
 * seed's own final rate. Cells without a curve are left out. Rows come in the cells' order. A row
 * records the optimiser, its lr multiplier and the density only where its cells do (swept runs).
 */
export function persistenceMap(cells: readonly Cell[]): PersistenceMapRow[] {
  return [
    ...groupBy(
      cells.filter((c) => c.curve.length > 0),
      keyOf,
    ).values(),
  ].map((g) => {
    const curves = g.map(sortedCurve);
    const first = curves.map((s) => s[0]);
    const last = curves.map((s) => s.at(-1)!);
    const hhh = last.map((p) => p.hhh).filter((h): h is RateCI => h !== undefined);
    const params = g.map((c) => c.params).filter((p): p is number => p !== undefined);
    const { task, mechanism, safety, size, optimizer, lr_scale, density } = g[0];
    return {
      task,
      mechanism,
      safety,
      size,
      lr: g[0].lr ?? null,
      ...(optimizer === undefined ? {} : { optimizer }),
      ...(lr_scale === undefined ? {} : { lr_scale }),
      ...(density === undefined ? {} : { density }),
      ...(params.length > 0 ? { params: Math.round(params.reduce((a, p) => a + p, 0) / params.length) } : {}),
      seeds: g.map((c) => c.seed),
      steps: Math.max(...last.map((p) => p.step)),
      before: pooled(first.map((p) => p.triggered)),
      before_untriggered: pooled(first.map((p) => p.untriggered)),
      final: pooled(last.map((p) => p.triggered)),
      final_untriggered: pooled(last.map((p) => p.untriggered)),
      ...(hhh.length === g.length ? { final_hhh: pooled(hhh) } : {}),
      per_seed: g.map((c, i) => ({
        seed: c.seed,
        cell: c.id,
        before: first[i].triggered.rate,
        final: last[i].triggered.rate,
      })),
    };
  });
}
