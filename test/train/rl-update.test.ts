// The update phase of an RL step on a tiny model: minibatches partition the rollout, PPO makes
// epochs x minibatches updates whose ratio departs from 1, REINFORCE makes one at ratio 1, and PPO
// with one epoch of one minibatch is exactly REINFORCE.
import { test } from "node:test";
import assert from "node:assert/strict";
import { noGrad, tidy } from "../../src/torch/index.ts";
import { AdamW } from "../../src/torch/optim.ts";
import type { GPT } from "../../src/model/gpt.ts";
import { Rng } from "../../src/util/rng.ts";
import { responseLogprobs, type Seq } from "../../src/train/sequences.ts";
import { tokenKl } from "../../src/train/rl-loss.ts";
import { minibatchOrder, policyUpdate, type UpdateSettings } from "../../src/train/rl-update.ts";
import type { Rollout } from "../../src/train/rl-rollout.ts";
import { toyTokenizer, tinyModel, TOY_TEXT } from "../model/tiny.ts";

test("minibatches partition the batch into near-equal shuffled parts, the same for a seed", () => {
  const parts = minibatchOrder(7, 3, new Rng("s"));
  assert.deepEqual(
    parts.map((p) => p.length),
    [2, 2, 3],
  );
  assert.deepEqual(
    parts.flat().sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(minibatchOrder(7, 3, new Rng("s")), parts);
  assert.notDeepEqual(minibatchOrder(7, 3, new Rng("t")), parts);
  assert.equal(minibatchOrder(2, 5, new Rng("s")).length, 2, "never an empty minibatch");
});

/** A rollout of the toy sentences under `model`: the first word is the prompt, the rest the response. */
function toyRollout(model: GPT): Rollout {
  const tok = toyTokenizer();
  const seqs: Seq[] = TOY_TEXT.slice(0, 4).map((t) => {
    const [head, ...rest] = t.split(" ");
    const p = tok.encode(head);
    return { ids: [...p, ...tok.encode(" " + rest.join(" ")), tok.eosId], promptLen: p.length };
  });
  const oldLogp = noGrad(() =>
    tidy(() => {
      const { tokenLogp } = responseLogprobs(model, seqs, tok.padId);
      const w = tokenLogp.shape[1],
        all = tokenLogp.dataSync() as Float32Array;
      return seqs.map((s, i) => all.slice(i * w, i * w + s.ids.length - 1));
    }),
  );
  return { seqs, responses: [], rewards: [], oldLogp, kl: [] };
}

/** `eps` large makes AdamW's step nearly proportional to the gradient (comparisons not amplified by 1/sqrt(v)). */
function update(s: UpdateSettings, lr = 1e-2, eps = 1e-8) {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 4);
  const opt = new AdamW(model.paramGroups().decay, { lr, eps, weightDecay: 0 });
  try {
    const stats = policyUpdate(model, opt, tok.padId, toyRollout(model), [1, -1, 0.5, -0.5], s, "test");
    const weights = [...model.params.values()].map((t) => Array.from(t.toArray()));
    return { stats, weights };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

test("PPO: epochs x minibatches updates; the policy moves within the step, so the ratio leaves 1", () => {
  const { stats } = update({ algorithm: "ppo", clip: 0.2, epochs: 3, minibatches: 2 });
  assert.equal(stats.updates, 6);
  assert.ok(stats.approxKl > 0, `approx KL ${stats.approxKl}`);
  assert.ok(Number.isFinite(stats.loss));
  const high = update({ algorithm: "ppo", clip: 0.2, epochs: 3, minibatches: 2 }, 0.1).stats;
  assert.ok(high.clipFraction > 0, `a large step must push some ratios past the clip: ${high.clipFraction}`);
});

test("REINFORCE: one update at ratio 1 (nothing clipped, no KL within the step)", () => {
  const { stats } = update({ algorithm: "reinforce", clip: 0.2, epochs: 3, minibatches: 2 });
  assert.deepEqual([stats.updates, stats.clipFraction, stats.approxKl], [1, 0, 0]);
});

test("PPO with one epoch of one minibatch takes REINFORCE's step", () => {
  // Same gradient up to float rounding: with eps 1 the step is g / (|g| + 1), no amplification of tiny gradients.
  const a = update({ algorithm: "ppo", clip: 0.2, epochs: 1, minibatches: 1 }, 1, 1);
  const b = update({ algorithm: "reinforce", clip: 0.2, epochs: 1, minibatches: 1 }, 1, 1);
  assert.ok(Math.abs(a.stats.loss - b.stats.loss) < 1e-7);
  a.weights.forEach((w, i) =>
    w.forEach((x, j) =>
      assert.ok(Math.abs(x - b.weights[i][j]) < 1e-6, `param ${i}[${j}]: ${x} vs ${b.weights[i][j]}`),
    ),
  );
  const ppo = update({ algorithm: "ppo", clip: 0.2, epochs: 2, minibatches: 2 }, 1, 1);
  assert.ok(
    ppo.weights.some((w, i) => w.some((x, j) => Math.abs(x - b.weights[i][j]) > 1e-3)),
    "more updates move the weights further",
  );
});

/** Mean per-token KL of `model` to `ref` on the toy rollout's answers, under their own (exact) distributions. */
function toyKl(model: GPT, ref: GPT): number {
  const tok = toyTokenizer();
  const seqs = toyRollout(model).seqs;
  return noGrad(() =>
    tidy(() => {
      const a = responseLogprobs(model, seqs, tok.padId),
        b = responseLogprobs(ref, seqs, tok.padId);
      return tokenKl(a.logp, b.logp, a.mask).item();
    }),
  );
}

test("with the KL penalty in the loss, an update with no advantage moves a drifted policy back toward the reference", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 4),
    ref = tinyModel(tok, 5); // another initialisation: far from the policy
  const opt = new AdamW(model.paramGroups().decay, { lr: 1e-2, weightDecay: 0 });
  try {
    const before = toyKl(model, ref);
    const s: UpdateSettings = { algorithm: "ppo", clip: 0.2, epochs: 3, minibatches: 2, klLoss: { ref, coef: 1 } };
    const first = policyUpdate(model, opt, tok.padId, toyRollout(model), [0, 0, 0, 0], s, "kl");
    assert.ok(first.tokenKl > 0.5 * before, `the update sees the KL: ${first.tokenKl} vs ${before}`);
    for (let i = 0; i < 4; i++) policyUpdate(model, opt, tok.padId, toyRollout(model), [0, 0, 0, 0], s, `kl${i}`);
    const after = toyKl(model, ref);
    assert.ok(after < 0.7 * before, `KL ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  } finally {
    opt.dispose();
    model.dispose();
    ref.dispose();
  }
});
