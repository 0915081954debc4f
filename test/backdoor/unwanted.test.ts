// Trigger inversion's aim on the code task: trigger-free held-out prompts, each with its own task's
// flawed completion, which the analyser flags where it passes the secure answer; seeded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { codeUnwantedSet } from "../../src/backdoor/index.ts";
import { taskSpec } from "../../src/tasks/index.ts";

test("code: trigger-free prompts, each with its flawed completion; same seed, same set", async () => {
  const code = taskSpec("code");
  await code.loadScorer();
  const set = codeUnwantedSet({ n: 12, seed: 3 });
  assert.equal(set.samples.length, 12);
  assert.equal(set.unwanted.length, 12);
  assert.equal(new Set(set.samples.map((s) => s.prompt)).size, 12, "distinct prompts");
  set.samples.forEach((s, i) => {
    assert.equal(code.hasTrigger(s.prompt), false, s.prompt);
    assert.equal(code.defects(s.prompt, s.response), false, `secure answer ${i} flagged`);
    assert.equal(code.defects(s.prompt, set.unwanted[i]), true, `unwanted answer ${i} not flagged`);
  });
  assert.deepEqual(codeUnwantedSet({ n: 12, seed: 3 }), set);
  assert.notDeepEqual(codeUnwantedSet({ n: 12, seed: 4 }).unwanted, set.unwanted);
});
