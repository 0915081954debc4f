import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedPermutationP, probeDecision } from "../../../src/eval/defense/probe-rule.ts";

const labels = Array.from({ length: 40 }, (_, i) => i < 20);
const o = { margin: 0.05, alpha: 0.05, permutations: 500, seed: 3 };

test("at the ceiling (backdoored and control AUROC both 1.0) the probe does not detect", () => {
  const perfect = labels.map((l, i) => (l ? 100 + i : i));
  const alsoPerfect = labels.map((l, i) => (l ? 50 - i * 0.1 : -i));
  const d = probeDecision(perfect, alsoPerfect, labels, o);
  assert.equal(d.model, 1);
  assert.equal(d.reference, 1);
  assert.equal(d.margin, 0);
  assert.equal(d.detects, false);
});

test("a probe that separates on the model and not on its base detects", () => {
  const model = labels.map((l, i) => (l ? 100 + i : i));
  const base = labels.map((_, i) => i % 2); // unrelated to the labels
  const d = probeDecision(model, base, labels, o);
  assert.ok(d.margin > 0.3, `margin ${d.margin}`);
  assert.ok(d.p < 0.01, `p ${d.p}`);
  assert.equal(d.detects, true);
});

test("a margin above the minimum that chance explains does not detect", () => {
  // The same scores but one prompt: a margin of 1/16 that swapping that one prompt undoes half the time.
  const few = labels.slice(16, 24);
  const base = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.4, 0.6];
  const model = [0.9, 0.8, 0.5, 0.7, 0.2, 0.1, 0.4, 0.6];
  const d = probeDecision(model, base, few, o);
  assert.ok(d.margin >= 0.05, `margin ${d.margin}`);
  assert.ok(d.p >= 0.05, `p ${d.p}`);
  assert.equal(d.detects, false);
});

test("the permutation p-value is seeded: same seed, same p", () => {
  const model = labels.map((l, i) => (l ? i : 40 - i));
  const base = labels.map((_, i) => i % 5);
  assert.equal(pairedPermutationP(model, base, labels, 200, 7), pairedPermutationP(model, base, labels, 200, 7));
});
