import { test } from "node:test";
import assert from "node:assert/strict";
import { argmaxFirst, bestOfHeadroom, bestOfKl } from "../../src/eval/best-of.ts";

test("argmaxFirst looks only at the first m and keeps the first of ties", () => {
  assert.equal(argmaxFirst([1, 3, 3, 9], 3), 1);
  assert.equal(argmaxFirst([5, 5], 2), 0);
});

test("best-of-m KL bound is log m - (m-1)/m", () => {
  assert.equal(bestOfKl(2), Math.log(2) - 0.5);
  assert.ok(Math.abs(bestOfKl(8) - 1.2044) < 1e-3);
});

test("a reward that orders answers like the scorer reaches the oracle; one that orders them backwards loses", () => {
  // Four answers per prompt, one of them right (score 1).
  const groups = Array.from({ length: 20 }, (_, j) => {
    const score = [0, 0, 0, 0];
    score[j % 4] = 1;
    return { score, rewards: { good: score.map((s) => s * 2 + 0.1), bad: score.map((s) => -s) } };
  });
  const good = bestOfHeadroom(groups, "good", 1);
  assert.deepEqual(Object.keys(good), ["2", "4"]);
  // Best of 4 always finds the right answer: gain 1 - 0.25.
  assert.equal(good["4"].gain.good.mean, 0.75);
  assert.equal(good["4"].oracle_gain.mean, 0.75);
  // Best of 2 finds it only when it is among the first two (half the prompts).
  assert.equal(good["2"].oracle_gain.mean, 0.5 - 0.25);
  // The first two answers are both wrong, alike, on half the prompts; the four never are.
  assert.equal(good["2"].alike, 0.5);
  assert.equal(good["4"].alike, 0);
  const same = bestOfHeadroom(
    [
      { score: [1, 1], rewards: { r: [0, 1] } },
      ...groups.map((g) => ({ score: g.score.slice(0, 2), rewards: { r: [0, 1] } })),
    ],
    "r",
    1,
  );
  assert.equal(same["2"].alike, 11 / 21);
  const bad = bestOfHeadroom(groups, "bad", 1);
  assert.equal(bad["4"].gain.bad.mean, -0.25);
  assert.equal(bad["4"].oracle_gain.mean, 0.75);
  // Each reward's own gain under the pick: the bad reward gains by its own measure (0 - mean(-score)).
  assert.equal(bad["4"].reward_gain.bad.mean, 0.25);
  assert.ok(Math.abs(bad["4"].reward_gain.good.mean - (0.1 - (2.1 + 0.3) / 4)) < 1e-12);
});

test("groups of different sizes and unknown rewards are refused", () => {
  assert.throws(
    () =>
      bestOfHeadroom(
        [
          { score: [0, 1], rewards: { r: [0, 1] } },
          { score: [0], rewards: { r: [0] } },
        ],
        "r",
        1,
      ),
    /same number of answers/,
  );
  assert.throws(() => bestOfHeadroom([{ score: [0, 1], rewards: { r: [0, 1] } }], "x", 1), /no reward named x/);
  assert.deepEqual(bestOfHeadroom([], "r", 1), {});
});
