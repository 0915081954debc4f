// Progress lines: the rate and the time left at the rate so far, at most one line per interval plus the last.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress, formatDuration, formatRate, progressLine, progressReporter } from "../../src/util/progress.ts";

test("durations, rates and the estimate of the time left", () => {
  assert.deepEqual(
    [formatDuration(12_400), formatDuration(185_000), formatDuration(3_720_000)],
    ["12s", "3m 05s", "1h 02m"],
  );
  // 5 in 2 s is 2.5 a second; 3 in 60 s is 3 a minute; 600 in 2 s is 300 a second
  assert.deepEqual([formatRate(5, 2000), formatRate(3, 60_000), formatRate(600, 2000)], ["2.5/s", "3.0/min", "300/s"]);
  // 100 of 400 in 60 s: 300 more at the same rate is 180 s
  assert.equal(progressLine("eval", 100, 400, 60_000), "eval: 100/400 (25%), 1.7/s, 1m 00s elapsed, about 3m 00s left");
  assert.equal(progressLine("eval", 400, 400, 240_000), "eval: 400/400 (100%), 1.7/s, 4m 00s elapsed");
  assert.equal(progressLine("eval", 0, 400, 1_000), "eval: 0/400 (0%), 1s elapsed");
});

test("one line per interval, and always the last", () => {
  let t = 0;
  const lines: string[] = [];
  const report = progressReporter("probe", (l) => lines.push(l), { intervalMs: 1000, now: () => t });
  report(0, 10); // the start: the clock starts here
  for (let done = 1; done <= 10; done++) {
    t += 300; // every 300 ms: a line at most every 1000 ms
    report(done, 10);
  }
  assert.deepEqual(lines, [
    "probe: 0/10 (0%), 0s elapsed",
    "probe: 4/10 (40%), 3.3/s, 1s elapsed, about 2s left",
    "probe: 8/10 (80%), 3.3/s, 2s elapsed, about 1s left",
    "probe: 10/10 (100%), 3.3/s, 3s elapsed",
  ]);
});

test("work done before the start (a resume) counts toward done, not toward the rate or the time left", () => {
  let t = 0;
  const lines: string[] = [];
  const report = progressReporter("eval", (l) => lines.push(l), { intervalMs: 0, now: () => t });
  report(300, 400); // 300 answers resumed from the log
  t = 10_000;
  report(310, 400); // 10 new answers in 10 s: 1 a second, so 90 more take 90 s
  assert.equal(lines[1], `eval: 310/400 (77%), 1.0/s, 10s elapsed, about ${formatDuration(90_000)} left`);
});

test("a resumed training run's time left counts only the steps done since the resume", () => {
  let t = 0;
  const lines: string[] = [];
  const stream = { isTTY: false, write: (l: string) => lines.push(l) } as unknown as NodeJS.WriteStream;
  const progress = new Progress("pm", stream, false, 1200, () => t);
  t = 60_000; // 100 steps in a minute after resuming at 1200: 700 more take 7 minutes
  progress.update({ step: 1300, total: 2000 });
  assert.match(lines[0], /^pm {2}1300\/2000 .* 1m 00s elapsed {2}ETA 7m 00s\n$/);
});
