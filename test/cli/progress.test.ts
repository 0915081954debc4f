// Progress lines: the time left at the rate so far, at most one line per interval plus the last.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, progressLine, progressReporter } from "../../src/cli/progress.ts";

test("durations and the estimate of the time left", () => {
  assert.deepEqual(
    [formatDuration(12_400), formatDuration(185_000), formatDuration(3_720_000)],
    ["12s", "3m 05s", "1h 02m"],
  );
  // 100 of 400 in 60 s: 300 more at the same rate is 180 s
  assert.equal(progressLine("eval", 100, 400, 60_000), "eval: 100/400 (25%), 1m 00s elapsed, about 3m 00s left");
  assert.equal(progressLine("eval", 400, 400, 240_000), "eval: 400/400 (100%), 4m 00s elapsed");
  assert.equal(progressLine("eval", 0, 400, 1_000), "eval: 0/400 (0%), 1s elapsed");
});

test("one line per interval, and always the last", () => {
  let t = 0;
  const lines: string[] = [];
  const report = progressReporter("probe", (l) => lines.push(l), { intervalMs: 1000, now: () => t });
  for (let done = 1; done <= 10; done++) {
    t += 300; // every 300 ms: a line at most every 1000 ms
    report(done, 10);
  }
  assert.deepEqual(lines, [
    "probe: 1/10 (10%), 0s elapsed, about 3s left",
    "probe: 5/10 (50%), 2s elapsed, about 2s left",
    "probe: 9/10 (90%), 3s elapsed, about 0s left",
    "probe: 10/10 (100%), 3s elapsed",
  ]);
});
