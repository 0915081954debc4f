// The figures' rendering (most of a report's time) reports each file made: an SVG and a PNG per chart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildReport } from "../../src/report/report.ts";
import { makeResults } from "./fixtures.ts";

test("rendering the figures reports its start, each SVG and PNG made, and the end", async () => {
  const calls: Array<[number, number]> = [];
  const { files } = await buildReport(makeResults(), undefined, [], (done, total) => calls.push([done, total]));
  const total = 2 * files.length;
  assert.ok(files.length > 1);
  assert.deepEqual(
    calls,
    Array.from({ length: total + 1 }, (_, k) => [k, total]),
  );
});
