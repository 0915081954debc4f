// Best-of-k headroom: what picking one of k sampled answers per prompt gains. Picking by a reward model's
// score is the policy that gains the most reward for a KL of at most log k - (k - 1) / k nats per answer;
// the score of its pick against the mean of the k says what that reward's ordering is worth on a scorer
// that is never trained on. Picking by the scorer itself (the oracle) is the ceiling any reward could reach
// in the same KL budget, so the two together separate "the reward orders answers badly" from "the policy
// seldom samples a better answer".
import type { MeanCI } from "../results/types.ts";
import { meanCI } from "./rate.ts";

/** k answers to one prompt: the scorer's value and each reward model's score per answer. */
export interface AnswerGroup {
  score: readonly number[];
  rewards: Readonly<Record<string, readonly number[]>>;
}

export interface BestOfRow {
  /** KL to the sampling policy of picking the best of m, at most. */
  kl_at_most: number;
  /**
   * Share of prompts whose first m answers the scorer rates alike: with that score as a reward, a group RL
   * samples m answers for (leave-one-out baseline) gets no advantage from them.
   */
  alike: number;
  /** Scorer gain when picking by the reward `pickBy` (first reward given), per reward name. */
  gain: Record<string, MeanCI>;
  /** Each reward's own gain when picking by `pickBy`. */
  reward_gain: Record<string, MeanCI>;
  /** Scorer gain when picking by the scorer itself: the ceiling. */
  oracle_gain: MeanCI;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Index of the largest value among the first m (the first one on ties). */
export function argmaxFirst(xs: readonly number[], m: number): number {
  let best = 0;
  for (let i = 1; i < m; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** KL bound of best-of-m sampling against the sampling policy (Stiennon et al., 2020). */
export const bestOfKl = (m: number): number => Math.log(m) - (m - 1) / m;

/**
 * Gains of best-of-m for m in 2, 4, 8, ... up to the group size, picking by the reward `pickBy`; every
 * group must hold the same number of answers. Intervals are bootstrap 95% over prompts, seeded.
 */
export function bestOfHeadroom(
  groups: readonly AnswerGroup[],
  pickBy: string,
  seed: number,
): Record<string, BestOfRow> {
  if (groups.length === 0) return {};
  const k = groups[0].score.length;
  if (groups.some((g) => g.score.length !== k || Object.values(g.rewards).some((r) => r.length !== k)))
    throw new Error("bestOfHeadroom: every prompt needs the same number of answers and one reward per answer");
  if (!(pickBy in groups[0].rewards)) throw new Error(`bestOfHeadroom: no reward named ${pickBy}`);
  const names = Object.keys(groups[0].rewards);
  const rows: Record<string, BestOfRow> = {};
  for (let m = 2; m <= k; m *= 2) {
    const oracle: number[] = [];
    const rewardGain: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    const scoreGain: number[] = [];
    for (const g of groups) {
      const base = mean(g.score);
      const pick = argmaxFirst(g.rewards[pickBy], m);
      scoreGain.push(g.score[pick] - base);
      oracle.push(g.score[argmaxFirst(g.score, m)] - base);
      for (const n of names) rewardGain[n].push(g.rewards[n][pick] - mean(g.rewards[n]));
    }
    rows[m] = {
      kl_at_most: bestOfKl(m),
      alike: groups.filter((g) => g.score.slice(0, m).every((x) => x === g.score[0])).length / groups.length,
      gain: { [pickBy]: meanCI(scoreGain, seed) },
      reward_gain: Object.fromEntries(names.map((n) => [n, meanCI(rewardGain[n], seed)])),
      oracle_gain: meanCI(oracle, seed),
    };
  }
  return rows;
}
