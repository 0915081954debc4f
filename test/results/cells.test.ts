import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLr, sortedCurve } from "../../src/results/cells.ts";
import type { CurvePoint } from "../../src/results/types.ts";

test("sortedCurve orders by step without touching the cell; formatLr writes rates as cell ids do", () => {
  const r = { rate: 0, lo: 0, hi: 1, n: 0 };
  const curve: CurvePoint[] = [20, 0, 10].map((step) => ({ step, triggered: r, untriggered: r }));
  assert.deepEqual(
    sortedCurve({ curve }).map((p) => p.step),
    [0, 10, 20],
  );
  assert.deepEqual(
    curve.map((p) => p.step),
    [20, 0, 10],
  );
  assert.deepEqual([3e-4, 1e-3, 2.5e-5, 10].map(formatLr), ["3e-4", "1e-3", "2.5e-5", "1e1"]);
});
