import { test } from "node:test";
import assert from "node:assert/strict";
import { wilson, clusteredWilson, newcombeDiff, bootstrapMean, rateOf, quantile } from "../../src/eval/metrics.ts";

const close = (a: number, b: number, tol = 5e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// Newcombe (1998a), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction).
test("Wilson intervals match Newcombe 1998 single-proportion examples", () => {
  const cases: Array<[number, number, number, number]> = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1.0],
  ];
  for (const [k, n, lo, hi] of cases) {
    const r = wilson(k, n);
    close(r.lo, lo);
    close(r.hi, hi);
    assert.equal(r.rate, k / n);
    assert.equal(r.n, n);
  }
});

// Newcombe (1998b), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
test("Newcombe difference intervals match the published method-10 examples", () => {
  const cases: Array<[number, number, number, number, number, number]> = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
    [10, 10, 0, 10, 0.6075, 1.0],
  ];
  for (const [k1, n1, k2, n2, lo, hi] of cases) {
    const d = newcombeDiff(k1, n1, k2, n2);
    close(d.lo, lo);
    close(d.hi, hi);
    close(d.diff, k1 / n1 - k2 / n2, 1e-12);
  }
});

test("Wilson: no data gives the whole unit interval; bad counts are refused", () => {
  assert.deepEqual(wilson(0, 0), { rate: 0, lo: 0, hi: 1, n: 0, k: 0 });
  assert.throws(() => wilson(3, 2), /bad counts/);
  assert.throws(() => wilson(-1, 2), /bad counts/);
  assert.throws(() => wilson(0.5, 2), /bad counts/);
  const r = rateOf([true, false, true, true]);
  assert.equal(r.k, 3);
  assert.equal(r.rate, 0.75);
});

test("bootstrap of a mean is seeded, brackets the mean, and narrows with n", () => {
  const xs = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // mean 0.25
  const a = bootstrapMean(xs, { seed: 7 });
  const b = bootstrapMean(xs, { seed: 7 });
  const c = bootstrapMean(xs, { seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.mean, 0.25);
  assert.ok(a.lo < 0.25 && a.hi > 0.25);
  // Close to the normal-theory half-width 1.96 * sqrt(.25 * .75 / 200) = 0.060.
  close((a.hi - a.lo) / 2, 0.06, 0.012);
  const big = bootstrapMean(
    Array.from({ length: 2000 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
    { seed: 7 },
  );
  assert.ok(big.hi - big.lo < (a.hi - a.lo) / 2);
  assert.deepEqual(bootstrapMean([3, 3, 3], { seed: 1 }), { mean: 3, lo: 3, hi: 3, n: 3 });
  assert.ok(Number.isNaN(bootstrapMean([]).mean));
  assert.equal(bootstrapMean([true, false]).mean, 0.5);
});

test("quantile interpolates like numpy's default", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
  close(quantile([0, 10], 0.025), 0.25, 1e-12);
});

test("clusteredWilson: pooled Wilson when the clusters agree, wider by the design effect when they do not", () => {
  const pick = (r: { rate: number; lo: number; hi: number; n: number; k: number }) => ({
    rate: r.rate,
    lo: r.lo,
    hi: r.hi,
    n: r.n,
    k: r.k,
  });
  assert.deepEqual(pick(clusteredWilson([{ k: 30, n: 100 }])), wilson(30, 100));
  // Equal cluster rates: no spread beyond binomial noise, so the pooled interval.
  const same = clusteredWilson([
    { k: 30, n: 100 },
    { k: 30, n: 100 },
    { k: 30, n: 100 },
  ]);
  assert.equal(same.designEffect, 1);
  assert.deepEqual(pick(same), wilson(90, 300));
  // Seeds at 0, 1 and 0.5: between-seed variance 0.25 / 3 against binomial 0.25 / 300 -> deff 100, n_eff 3.
  const split = clusteredWilson([
    { k: 0, n: 100 },
    { k: 100, n: 100 },
    { k: 50, n: 100 },
  ]);
  assert.ok(Math.abs(split.designEffect - 100) < 1e-9, String(split.designEffect));
  assert.equal(split.rate, 0.5);
  const z2 = 1.959963984540054 ** 2,
    nEff = 3;
  const half = (Math.sqrt(z2) / (1 + z2 / nEff)) * Math.sqrt(0.25 / nEff + z2 / (4 * nEff * nEff));
  assert.ok(Math.abs(split.hi - split.lo - 2 * half) < 1e-12);
  assert.ok(split.lo < wilson(150, 300).lo && split.hi > wilson(150, 300).hi);
  // All at zero: nothing to widen, the pooled interval (upper bound from 300 prompts).
  const zero = clusteredWilson([
    { k: 0, n: 100 },
    { k: 0, n: 100 },
    { k: 0, n: 100 },
  ]);
  assert.deepEqual(pick(zero), wilson(0, 300));
  assert.deepEqual(pick(clusteredWilson([])), wilson(0, 0));
  assert.throws(() => clusteredWilson([{ k: 3, n: 2 }]), /bad counts/);
});
