// The policy loss and the KL estimate on hand-computed cases: the importance ratio, the clip (and the
// fraction of tokens it bounds), the approximate KL, the mask, and REINFORCE's gradient at ratio 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, tidy } from "../../src/torch/index.ts";
import { policyLoss, sequenceKl, tokenKl } from "../../src/train/rl-loss.ts";

const L = Math.log;
// Two sequences x two token positions; the second sequence's last position is padding (mask 0).
const NEW = [L(0.5), L(0.2), L(0.3), L(0.9)];
const OLD = [L(0.4), L(0.2), L(0.5), L(0.1)]; // ratios 1.25, 1, 0.6, 9 (the 9 is masked out)
const MASK = [1, 1, 1, 0];
const ADV = [2, -1];
const rows = (xs: number[]) => tensor(Float32Array.from(xs), [2, 2]);
const k3 = (r: number) => r - 1 - Math.log(r);

test("PPO: clipped surrogate, clip fraction and approximate KL over response tokens", () => {
  tidy(() => {
    const p = policyLoss(rows(NEW), rows(OLD), ADV, rows(MASK), 0.2);
    // min(1.25 x 2, 1.2 x 2) = 2.4; min(1 x 2, 1 x 2) = 2; min(0.6 x -1, 0.8 x -1) = -0.8; mean 1.2.
    assert.ok(Math.abs(p.loss.item() - -1.2) < 1e-6, `loss ${p.loss.item()}`);
    assert.ok(Math.abs(p.clipFraction - 2 / 3) < 1e-9, `clip fraction ${p.clipFraction}`); // 1.25 and 0.6 lie outside [0.8, 1.2]
    assert.ok(Math.abs(p.approxKl - (k3(1.25) + k3(1) + k3(0.6)) / 3) < 1e-6, `approx KL ${p.approxKl}`);
  });
});

test("REINFORCE: the unclipped ratio objective, nothing clipped", () => {
  tidy(() => {
    const p = policyLoss(rows(NEW), rows(OLD), ADV, rows(MASK), null);
    assert.ok(Math.abs(p.loss.item() - -(2.5 + 2 - 0.6) / 3) < 1e-6, `loss ${p.loss.item()}`);
    assert.equal(p.clipFraction, 0);
  });
});

test("at ratio 1 both losses have REINFORCE's gradient: -A / (response tokens) per token", () => {
  for (const clip of [0.2, null]) {
    tidy(() => {
      const logp = rows(OLD).requiresGrad_();
      const p = policyLoss(logp, rows(OLD), ADV, rows(MASK), clip);
      assert.equal(p.clipFraction, 0);
      assert.equal(p.approxKl, 0);
      p.loss.backward();
      const g = Array.from(logp.grad!.toArray());
      [-2 / 3, -2 / 3, 1 / 3, 0].forEach((want, i) =>
        assert.ok(Math.abs(g[i] - want) < 1e-6, `clip ${clip}: grad[${i}] ${g[i]} != ${want}`),
      );
    });
  }
});

test("a clipped token carries no gradient; an unclipped one does", () => {
  tidy(() => {
    // Ratio 1.25 > 1.2 with A > 0: the clipped term is the minimum and constant, so no gradient.
    const logp = tensor(Float32Array.from([L(0.5), L(0.4)]), [1, 2]).requiresGrad_();
    const p = policyLoss(
      logp,
      tensor(Float32Array.from([L(0.4), L(0.4)]), [1, 2]),
      [1],
      tensor(Float32Array.from([1, 1]), [1, 2]),
      0.2,
    );
    p.loss.backward();
    const g = Array.from(logp.grad!.toArray());
    assert.equal(g[0], 0);
    assert.ok(Math.abs(g[1] - -0.5) < 1e-6, `grad ${g[1]}`);
  });
});

test("sequence KL: sum over response tokens of log pi - log pi_ref", () => {
  tidy(() => {
    const kl = sequenceKl(rows([-1, -2, -3, -4]), rows([-1.5, -1, -3, -9]), rows([0, 1, 1, 0]));
    assert.deepEqual(Array.from(kl.toArray()), [-1, 0]);
  });
});

test("a mismatched advantage count is refused", () => {
  tidy(() =>
    assert.throws(() => policyLoss(rows(NEW), rows(OLD), [1], rows(MASK), 0.2), /2 sequences but 1 advantages/),
  );
});

test("exact per-token KL: sum over the vocabulary of p (log p - log q), meaned over response tokens; zero gradient at p = q", () => {
  tidy(() => {
    // One sequence, two positions over a vocabulary of 2; the second position is padding.
    const p = [0.75, 0.25, 0.5, 0.5],
      q = [0.5, 0.5, 0.1, 0.9];
    const dists = (xs: number[]) => tensor(Float32Array.from(xs.map(L)), [1, 2, 2]);
    const mask = tensor(Float32Array.from([1, 0]), [1, 2]);
    const want = 0.75 * L(0.75 / 0.5) + 0.25 * L(0.25 / 0.5);
    assert.ok(Math.abs(tokenKl(dists(p), dists(q), mask).item() - want) < 1e-6);
    // Through a log-softmax of logits, as the policy's distributions come (the raw log p of a normalised
    // distribution has gradient p, which the softmax's normalisation cancels).
    const logits = dists(q).requiresGrad_();
    const k = tokenKl(logits.logSoftmax(-1), dists(q), mask);
    k.backward();
    assert.ok(Math.abs(k.item()) < 1e-7);
    assert.ok(Array.from(logits.grad!.toArray()).every((g) => Math.abs(g) < 1e-6));
  });
});
