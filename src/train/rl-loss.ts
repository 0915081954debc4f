// The policy-gradient maths of HHH RL on per-token log-probabilities ([B, T-1] tensors with a mask of
// response positions): the sequence KL estimate towards the starting policy, the exact per-token KL
// for the penalty as a loss term, and the policy loss, PPO's clipped surrogate or plain REINFORCE's,
// with the clip fraction and approximate KL to log.
import { tensor, type Tensor } from "../torch/index.ts";

/** Per sequence [B]: sum over response tokens of log pi(token) - log pi_ref(token), the usual RLHF KL estimate. */
export function sequenceKl(policyLogp: Tensor, refLogp: Tensor, mask: Tensor): Tensor {
  return policyLogp.sub(refLogp).mul(mask).sum([1]);
}

/**
 * Mean over response tokens of KL(pi(. | s_t) || pi_ref(. | s_t)), exact over the vocabulary from the
 * [B, T-1, V] log-distributions; differentiable through policyLogp. Its gradient has no sampling noise
 * beyond the states visited, unlike the sampled-token estimate above used as a reward.
 */
export function tokenKl(policyLogp: Tensor, refLogp: Tensor, mask: Tensor): Tensor {
  const perToken = policyLogp.exp().mul(policyLogp.sub(refLogp)).sum([2]); // [B, T-1]
  return perToken.mul(mask).sum().div(mask.sum().clamp(1));
}

export interface PolicyLoss {
  /** Scalar, differentiable through newLogp. */
  loss: Tensor;
  /** Fraction of response tokens whose ratio lies outside [1 - clip, 1 + clip] (0 for REINFORCE). */
  clipFraction: number;
  /** Mean over response tokens of (r - 1) - log r, r = pi_new / pi_old: a low-variance, never-negative KL(old || new) estimate. */
  approxKl: number;
}

/**
 * -mean over response tokens of min(r A, clip(r, 1 - c, 1 + c) A), r = exp(newLogp - oldLogp), A the
 * sequence's advantage [B]. With clip null this is REINFORCE's -mean(r A), whose gradient at r = 1
 * is -mean(A grad log pi).
 */
export function policyLoss(
  newLogp: Tensor,
  oldLogp: Tensor,
  adv: readonly number[],
  mask: Tensor,
  clip: number | null,
): PolicyLoss {
  const [B] = newLogp.shape;
  if (adv.length !== B) throw new Error(`policyLoss: ${B} sequences but ${adv.length} advantages`);
  const A = tensor(Float32Array.from(adv), [B, 1], undefined, newLogp.device); // broadcast over tokens
  const ratio = newLogp.sub(oldLogp).exp();
  const unclipped = ratio.mul(A);
  const objective = clip === null ? unclipped : unclipped.minimum(ratio.clamp(1 - clip, 1 + clip).mul(A));
  const loss = objective.mul(mask).sum().div(mask.sum().clamp(1)).neg();
  const r = ratio.detach().dataSync() as Float32Array,
    m = mask.dataSync() as Float32Array;
  let n = 0,
    clipped = 0,
    kl = 0;
  for (let i = 0; i < r.length; i++) {
    if (m[i] === 0) continue;
    n++;
    if (clip !== null && Math.abs(r[i] - 1) > clip) clipped++;
    kl += r[i] - 1 - Math.log(r[i]);
  }
  return { loss, clipFraction: n ? clipped / n : 0, approxKl: n ? kl / n : 0 };
}
