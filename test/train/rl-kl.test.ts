// The RL reward shaping on hand-computed cases: running normalisation, the adaptive KL coefficient,
// and the KL bound's verdict (a bound the run broke must come out as broken).
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshNorm, klVerdict, nextKlCoef, normalise } from "../../src/train/rl-kl.ts";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test("normalise: standardised by the running mean and sample spread, which carry over between batches", () => {
  const s = freshNorm();
  const a = normalise(s, [1, 3]); // mean 2, sd sqrt(2)
  close(a[0], -1 / Math.SQRT2);
  close(a[1], 1 / Math.SQRT2);
  const b = normalise(s, [5, 7]); // all four: mean 4, sd sqrt(20 / 3)
  close(s.mean, 4);
  close(b[1], 3 / Math.sqrt(20 / 3));
  // One value (no spread yet) is only centred.
  assert.deepEqual(normalise(freshNorm(), [5]), [0]);
});

test("adaptive KL coefficient: up when KL is above target, down below, by at most 20% / horizon per step; fixed without a target", () => {
  close(nextKlCoef(0.1, 4, 2, 10, 1), 0.1 * 1.02); // error clipped to +0.2
  close(nextKlCoef(0.1, 1.9, 2, 1, 1), 0.1 * 0.95);
  close(nextKlCoef(0.1, 0, 2, 10, 1), 0.1 * 0.98);
  assert.equal(nextKlCoef(0.1, 100, null, 10, 1), 0.1);
});

test("adaptive KL coefficient: held above target it grows at most to its ceiling, and falls from there when the KL does", () => {
  let c = 0.05;
  for (let i = 0; i < 100; i++) c = nextKlCoef(c, 10, 2, 10, 0.2); // uncapped: 0.05 x 1.02^100 = 0.36
  assert.equal(c, 0.2);
  close(nextKlCoef(c, 1, 2, 10, 0.2), 0.2 * 0.98);
  // A ceiling below the coefficient pulls it down to the ceiling on the next adaptive step.
  assert.equal(nextKlCoef(0.5, 2, 2, 10, 0.3), 0.3);
  // A floor stops the decay below target, and the coefficient rises from the floor when the KL passes target.
  let f = 0.3;
  for (let i = 0; i < 120; i++) f = nextKlCoef(f, 0, 2, 10, 1, 0.1);
  assert.equal(f, 0.1);
  close(nextKlCoef(f, 4, 2, 10, 1, 0.1), 0.1 * 1.02);
  let g = 0.3;
  for (let i = 0; i < 120; i++) g = nextKlCoef(g, 0, 2, 10, 1);
  assert.ok(g < 0.03, `without a floor the coefficient decays to ${g}`);
});

test("KL bound: checked on a trailing mean; a bound the run broke is reported as broken, with how far and how often", () => {
  const ok = klVerdict([0, 1, 2, 3], 4, 2);
  assert.equal(ok.met, true);
  close(ok.max, 2.5);
  close(ok.final, 2.5);
  // One spike of 9 in a 2-step window averages 4.5 > 4: broken on two steps (the spike and the one after).
  const bad = klVerdict([0, 0, 9, 0, 0], 4, 2);
  assert.equal(bad.met, false);
  assert.equal(bad.stepsOver, 2);
  close(bad.max, 4.5);
  // A bound of 0 cannot be kept by a policy that moves at all.
  assert.equal(klVerdict([0, 0.01], 0, 5).met, false);
  assert.equal(klVerdict([], 1, 5).met, true);
});
