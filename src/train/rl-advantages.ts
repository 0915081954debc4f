// Advantages for HHH RL, on plain numbers: the reward less a KL penalty towards the starting policy,
// a leave-one-out baseline within each prompt's group of samples, and one scale for the batch.
//
// Why leave-one-out (RLOO) instead of a value head: with tiny models on 2 cores a value head doubles the
// parameters to train, needs its own warm-up, and is the usual source of PPO instability; the mean of
// the other samples' rewards for the same prompt is an unbiased, variance-reducing baseline with nothing
// to fit (Ahmadian et al., 2024, find RLOO matches PPO with a critic for RLHF).

/** Reward less klCoef x the sequence's KL estimate (log pi - log pi_ref summed over its tokens). */
export function klPenalised(rewards: readonly number[], kl: readonly number[], klCoef: number): number[] {
  if (kl.length !== rewards.length)
    throw new Error(`klPenalised: ${rewards.length} rewards but ${kl.length} KL values`);
  return rewards.map((r, i) => r - klCoef * kl[i]);
}

/** x_i less the mean of the other k - 1 values of its group; groups are consecutive runs of k. */
export function leaveOneOut(values: readonly number[], k: number): number[] {
  if (k < 2) throw new Error(`leaveOneOut: needs at least 2 samples per prompt, got ${k}`);
  if (values.length % k !== 0) throw new Error(`leaveOneOut: ${values.length} values do not split into groups of ${k}`);
  return values.map((x, i) => {
    const g = i - (i % k);
    let others = 0;
    for (let j = g; j < g + k; j++) if (j !== i) others += values[j];
    return x - others / (k - 1);
  });
}

/** 1 for the highest value of each group of k consecutive values (the first of a tie), 0 for the others. */
export function bestOfGroup(values: readonly number[], k: number): number[] {
  if (k < 2) throw new Error(`bestOfGroup: needs at least 2 samples per prompt, got ${k}`);
  if (values.length % k !== 0) throw new Error(`bestOfGroup: ${values.length} values do not split into groups of ${k}`);
  const out = values.map(() => 0);
  for (let g = 0; g < values.length; g += k) {
    let best = g;
    for (let j = g + 1; j < g + k; j++) if (values[j] > values[best]) best = j;
    out[best] = 1;
  }
  return out;
}

/** The root mean square (leave-one-out advantages have mean zero, so this is their spread); 1 for all-zero values. */
export function unitScaleOf(values: readonly number[]): number {
  const rms = Math.sqrt(values.reduce((a, b) => a + b * b, 0) / Math.max(1, values.length));
  return rms > 1e-8 ? rms : 1;
}

/** Divide by the root mean square; all-zero stays zero. */
export function unitScale(values: readonly number[]): number[] {
  const rms = unitScaleOf(values);
  return values.map((v) => v / rms);
}

/**
 * The advantages of one rollout batch: penalised reward, leave-one-out baseline, unit scale; and the
 * scale they were divided by, which a KL penalty applied in the loss must share to keep its weight.
 */
export function advantages(
  rewards: readonly number[],
  kl: readonly number[],
  k: number,
  klCoef: number,
): { adv: number[]; scale: number } {
  const loo = leaveOneOut(klPenalised(rewards, kl, klCoef), k);
  const scale = unitScaleOf(loo);
  return { adv: loo.map((v) => v / scale), scale };
}

/**
 * Rejection-sampling fine-tuning's "advantages" (best-of-n; Touvron et al., 2023, Llama 2's RLHF; Dong et
 * al., 2023, RAFT): weight 1 on each prompt's best answer by the penalised reward, 0 on the rest, so the
 * update raises the likelihood of the best answers and pushes no answer down. A noisy reward's error
 * then only changes which answer is imitated, where leave-one-out advantages also push down answers the
 * reward misjudged. Scale 1: klCoef in the loss weighs a nat of KL against the chosen answers' log-likelihood.
 */
export function bestOfNAdvantages(
  rewards: readonly number[],
  kl: readonly number[],
  k: number,
  klCoef: number,
): { adv: number[]; scale: number } {
  return { adv: bestOfGroup(klPenalised(rewards, kl, klCoef), k), scale: 1 };
}
