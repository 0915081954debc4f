// The optimisation phase of one RL step. PPO: `epochs` passes over the rollout batch, each in
// `minibatches` shuffled minibatches with one optimiser update apiece; after the first update the
// policy has moved, so the ratio departs from 1 and the clip acts. REINFORCE: one update on the whole
// batch (the ratio is 1, so no clip). With the KL penalty in the loss, each update adds the exact
// per-token KL to the frozen starting policy, weighted like the advantages.
import { noGrad, tidy } from "../torch/index.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { Rng } from "../util/rng.ts";
import { responseLogprobs } from "./sequences.ts";
import { policyLoss, tokenKl } from "./rl-loss.ts";
import { oldLogpTensor, type Rollout } from "./rl-rollout.ts";

export interface UpdateSettings {
  algorithm: "ppo" | "reinforce" | "best-of-n";
  clip: number;
  epochs: number;
  minibatches: number;
  /** The KL penalty as a loss term: coef x the mean per-token KL to `ref` (none: the penalty is in the reward, or off). */
  klLoss?: { ref: CausalLM; coef: number };
}

/** Means over the step's optimiser updates. */
export interface UpdateStats {
  loss: number;
  clipFraction: number;
  approxKl: number;
  /** Mean per-token KL to the starting policy at the updates' answers (0 without a KL loss). */
  tokenKl: number;
  updates: number;
}

/** Indices 0..n-1 shuffled and cut into `parts` near-equal minibatches (at most n). */
export function minibatchOrder(n: number, parts: number, rng: Rng): number[][] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const m = Math.max(1, Math.min(parts, n));
  return Array.from({ length: m }, (_, j) => order.slice(Math.floor((j * n) / m), Math.floor(((j + 1) * n) / m)));
}

/** `seed` names the shuffles of this step (a derived stream per epoch). */
export function policyUpdate(
  policy: CausalLM,
  opt: Optimizer,
  padId: number,
  ro: Rollout,
  adv: readonly number[],
  s: UpdateSettings,
  seed: string,
): UpdateStats {
  // best-of-n trains on its chosen answers with PPO's epochs, minibatches and clip (a trust region).
  const ppo = s.algorithm !== "reinforce";
  const n = ro.seqs.length;
  const epochs = ppo ? s.epochs : 1;
  const stats = { loss: 0, clipFraction: 0, approxKl: 0, tokenKl: 0, updates: 0 };
  for (let e = 0; e < epochs; e++) {
    const batches = ppo
      ? minibatchOrder(n, s.minibatches, Rng.derive(seed, `epoch/${e}`))
      : [Array.from({ length: n }, (_, i) => i)];
    for (const idx of batches) {
      const r = tidy(() => {
        const seqs = idx.map((i) => ro.seqs[i]);
        const { tokenLogp, mask, logp } = responseLogprobs(policy, seqs, padId);
        const p = policyLoss(
          tokenLogp,
          oldLogpTensor(ro, idx, policy.device),
          idx.map((i) => adv[i]),
          mask,
          ppo ? s.clip : null,
        );
        let loss = p.loss,
          kl = 0;
        if (s.klLoss && s.klLoss.coef > 0) {
          const { ref, coef } = s.klLoss;
          const k = tokenKl(
            logp,
            noGrad(() => responseLogprobs(ref, seqs, padId).logp),
            mask,
          );
          kl = k.item();
          loss = loss.add(k.mul(coef));
        }
        loss.backward();
        return { loss: loss.item(), clipFraction: p.clipFraction, approxKl: p.approxKl, tokenKl: kl };
      });
      opt.step();
      opt.zeroGrad();
      stats.loss += r.loss;
      stats.clipFraction += r.clipFraction;
      stats.approxKl += r.approxKl;
      stats.tokenKl += r.tokenKl;
      stats.updates++;
    }
  }
  const u = Math.max(1, stats.updates);
  return {
    loss: stats.loss / u,
    clipFraction: stats.clipFraction / u,
    approxKl: stats.approxKl / u,
    tokenKl: stats.tokenKl / u,
    updates: stats.updates,
  };
}
