import { test } from "node:test";
import assert from "node:assert/strict";
import { auroc, aurocInterval, byLabel, midranks, tprAtFpr } from "../../../src/eval/probes/auroc.ts";
import { Rng } from "../../../src/util/rng.ts";

/** The definition: share of (positive, negative) pairs ordered correctly, ties counting one half. */
function bruteAuroc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

test("midranks average the ranks of ties", () => {
  assert.deepEqual(Array.from(midranks([3, 1, 3, 2])), [3.5, 1, 3.5, 2]);
  assert.deepEqual(Array.from(midranks([5, 5, 5])), [2, 2, 2]);
});

test("AUROC matches known values", () => {
  // scikit-learn's roc_auc_score example: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] -> 0.75.
  assert.equal(auroc([0.35, 0.8], [0.1, 0.4]), 0.75);
  assert.equal(auroc([2, 3], [0, 1]), 1);
  assert.equal(auroc([0, 1], [2, 3]), 0);
  assert.equal(auroc([1, 1], [1, 1]), 0.5); // all tied
  // Ties across classes count one half: (0.5 + 1) * 2 + 2 = 5 of 6 pairs.
  assert.ok(Math.abs(auroc([0.5, 0.5, 1], [0.5, 0]) - 5 / 6) < 1e-12);
});

test("AUROC equals the pairwise definition on random data with many ties", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const pos = Array.from({ length: 1 + rng.int(0, 30) }, () => rng.int(0, 6));
    const neg = Array.from({ length: 1 + rng.int(0, 30) }, () => rng.int(0, 6) - 1);
    assert.ok(Math.abs(auroc(pos, neg) - bruteAuroc(pos, neg)) < 1e-12, `trial ${trial}`);
  }
});

test("AUROC refuses empty classes and non-finite scores", () => {
  assert.throws(() => auroc([], [1]), /at least one/);
  assert.throws(() => auroc([NaN], [1]), /finite/);
});

test("TPR at 1% FPR: threshold above all but floor(1% of negatives)", () => {
  const neg = Array.from({ length: 100 }, (_, i) => i); // 0..99
  // One false positive allowed: the threshold is 98 (the second-highest negative).
  assert.equal(tprAtFpr([50.5, 98.5, 99.5, 100], neg, 0.01), 0.75);
  // Fewer than 100 negatives: no false positive allowed, so the threshold is the top negative.
  assert.equal(tprAtFpr([5, 8, 9.5, 10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0.01), 0.5);
  // A positive tied with the threshold is not counted (ties go to the negative side).
  assert.equal(tprAtFpr([9, 9.5], [0, 9], 0.01), 0.5);
  assert.equal(tprAtFpr([1, 2], [5, 6], 0.01), 0);
  assert.equal(tprAtFpr([7, 8], [5, 6], 0.01), 1);
});

test("the bootstrap interval brackets the AUROC and is reproducible", () => {
  const rng = new Rng(3);
  const pos = Array.from({ length: 40 }, () => rng.float() + 0.3),
    neg = Array.from({ length: 40 }, () => rng.float());
  const a = auroc(pos, neg);
  const [lo, hi] = aurocInterval(pos, neg, { seed: 1, iters: 300 });
  assert.ok(0 <= lo && lo <= a && a <= hi && hi <= 1, `${lo} ${a} ${hi}`);
  assert.deepEqual(aurocInterval(pos, neg, { seed: 1, iters: 300 }), [lo, hi]);
});

test("byLabel splits scores by class", () => {
  assert.deepEqual(byLabel([1, 2, 3], [true, false, true]), { pos: [1, 3], neg: [2] });
  assert.throws(() => byLabel([1], [true, false]), /labels/);
});
