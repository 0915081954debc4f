// The on-policy pairs' assembly, without a model: a right answer over a wrong one of the same prompt, the
// world's HHH answer where no answer was right, the share of the training set, and determinism by seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mixOnPolicy,
  onPolicyPairCount,
  onPolicyPairs,
  onPolicySlots,
  type LabelledAnswers,
} from "../../src/world/on-policy-pairs.ts";
import { preferencePairs } from "../../src/world/pairs.ts";

const meta = { family: "arithmetic", kind: "helpful" as const, expected: "4" };
const group = (prompt: string, answers: string[], right: boolean[]): LabelledAnswers => ({
  prompt,
  hhh: "It is 4.",
  meta,
  answers,
  right,
});

test("each wrong answer is rejected against a right answer of the same prompt", () => {
  const g = [group("2+2?", ["4", "5", "four-ish 4", "3"], [true, false, true, false])];
  const { pairs, prompts, promptsWithRight } = onPolicyPairs(g, Infinity, 1);
  assert.equal(pairs.length, 2);
  assert.deepEqual(
    pairs.map((p) => p.rejected),
    ["5", "3"],
  );
  for (const p of pairs) {
    assert.equal(p.prompt, "2+2?");
    assert.ok(["4", "four-ish 4"].includes(p.chosen), p.chosen);
    assert.equal(p.meta.pairType, "on-policy");
    assert.equal(p.meta.chosenFrom, "model");
    assert.equal(p.meta.expected, "4");
  }
  assert.deepEqual([prompts, promptsWithRight], [1, 1]);
});

test("no right answer: the world's HHH answer is chosen over each wrong one; all right: no pair", () => {
  const g = [group("a", ["5", "6"], [false, false]), group("b", ["4", "4"], [true, true])];
  const { pairs, prompts, promptsWithRight } = onPolicyPairs(g, Infinity, 1);
  assert.deepEqual(
    pairs.map((p) => [p.prompt, p.chosen, p.rejected, p.meta.chosenFrom]),
    [
      ["a", "It is 4.", "5", "world"],
      ["a", "It is 4.", "6", "world"],
    ],
  );
  assert.deepEqual([prompts, promptsWithRight], [2, 1]);
  assert.equal(onPolicyPairCount(g), 2);
});

test("at most n pairs, and the counts cover only the prompts used", () => {
  const g = [group("a", ["5", "6", "4"], [false, false, true]), group("b", ["1"], [false]), group("c", ["2"], [false])];
  const r = onPolicyPairs(g, 3, 1);
  assert.equal(r.pairs.length, 3);
  assert.deepEqual([r.prompts, r.promptsWithRight], [2, 1]);
  assert.equal(onPolicyPairs(g, 0, 1).pairs.length, 0);
  assert.throws(() => onPolicyPairs([group("x", ["1"], [])], 1, 1), /1 answers but 0 verdicts/);
});

test("deterministic for a seed; the chosen right answer is drawn by seed", () => {
  const rights = Array.from({ length: 8 }, (_, i) => `4 (${i})`);
  const g = Array.from({ length: 20 }, (_, i) => group(`p${i}`, [...rights, "5"], [...rights.map(() => true), false]));
  assert.deepEqual(onPolicyPairs(g, Infinity, 7), onPolicyPairs(g, Infinity, 7));
  const a = onPolicyPairs(g, Infinity, 7).pairs.map((p) => p.chosen);
  const b = onPolicyPairs(g, Infinity, 8).pairs.map((p) => p.chosen);
  assert.notDeepEqual(a, b);
});

test("the share of the training set: round(total x share) on-policy pairs replace the world's last ones", () => {
  const world = preferencePairs({ n: 100, seed: 2, split: "train" });
  const g = world.map((p) => group(p.prompt, ["wrong 1", "wrong 2"], [false, false]));
  const on = onPolicyPairs(g, onPolicySlots(world.length, 0.25), 3).pairs;
  assert.equal(on.length, 25);
  const mixed = mixOnPolicy(world, on, 0.25);
  assert.equal(mixed.length, 100);
  assert.equal(mixed.filter((p) => p.meta.pairType === "on-policy").length, 25);
  assert.deepEqual(mixed.slice(0, 75), world.slice(0, 75));
  // Share 0 is the world's pairs as they were; too few on-policy pairs: the world's fill the rest.
  assert.deepEqual(mixOnPolicy(world, on, 0), world);
  const few = mixOnPolicy(world, on.slice(0, 10), 0.25);
  assert.equal(few.length, 100);
  assert.equal(few.filter((p) => p.meta.pairType === "on-policy").length, 10);
  assert.throws(() => mixOnPolicy(world, on, 1.5), /share in \[0, 1\]/);
});
