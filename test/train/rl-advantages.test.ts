// Advantages on hand-computed cases: KL penalty, leave-one-out baseline, unit scale, their composition, and best-of-n.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  advantages,
  bestOfGroup,
  bestOfNAdvantages,
  klPenalised,
  leaveOneOut,
  unitScale,
} from "../../src/train/rl-advantages.ts";

const close = (a: number[], b: number[], eps = 1e-9) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < eps, `[${i}] ${x} != ${b[i]}`));
};

test("KL penalty: reward - klCoef x sequence KL", () => {
  close(klPenalised([1, 2], [10, -4], 0.1), [0, 2.4]);
  assert.throws(() => klPenalised([1, 2], [0], 0.1), /2 rewards but 1 KL/);
});

test("leave-one-out baseline: each sample less the mean of the other samples of its prompt", () => {
  // Group [1, 2, 3]: 1 - (2+3)/2, 2 - (1+3)/2, 3 - (1+2)/2; group [10, 10, 4]: 10 - 7, 10 - 7, 4 - 10.
  close(leaveOneOut([1, 2, 3, 10, 10, 4], 3), [-1.5, 0, 1.5, 3, 3, -6]);
  close(leaveOneOut([5, 1], 2), [4, -4]);
  assert.throws(() => leaveOneOut([1, 2, 3], 2), /do not split into groups of 2/);
  assert.throws(() => leaveOneOut([1], 1), /at least 2 samples/);
});

test("unit scale divides by the root mean square; all zeros stay zeros", () => {
  const rms = Math.sqrt((9 + 16) / 2);
  close(unitScale([3, -4]), [3 / rms, -4 / rms]);
  close(unitScale([0, 0, 0]), [0, 0, 0]);
});

test("advantages compose penalty, baseline and scale", () => {
  // Penalised [1, 3 - 0.1 x 10] = [1, 2]; leave-one-out [-1, 1]; rms 1.
  close(advantages([1, 3], [0, 10], 2, 0.1).adv, [-1, 1]);
  // Equal penalised rewards within a prompt: no signal.
  close(advantages([2, 1, 7, 7], [0, -10, 0, 0], 2, 0.1).adv, [0, 0, 0, 0]);
  // [0, 4]: leave-one-out [-4, 4], divided by 4.
  const a = advantages([0, 4], [1, 1], 2, 0);
  close(a.adv, [-1, 1]);
  assert.equal(a.scale, 4);
});

test("best-of-n: weight 1 on each prompt's best answer by the penalised reward (the first of a tie), 0 elsewhere", () => {
  assert.deepEqual(bestOfGroup([1, 3, 2, 5, 5, -1], 3), [0, 1, 0, 1, 0, 0]);
  assert.throws(() => bestOfGroup([1, 2, 3], 2), /do not split into groups of 2/);
  // Raw rewards pick the second answer; its KL of 10 at coefficient 0.5 costs 5, so the first is best.
  const b = bestOfNAdvantages([2, 4], [0, 10], 2, 0.5);
  assert.deepEqual(b, { adv: [1, 0], scale: 1 });
  assert.deepEqual(bestOfNAdvantages([2, 4], [0, 10], 2, 0).adv, [0, 1]);
});
