// Temperature headroom: what sharpening a policy's own sampling distribution gains on a scorer, and what
// it costs in KL. Sampling at temperature T < 1 is a policy any RL run can reach by lowering the entropy
// it already has, with no new knowledge, so its gain for its KL is a yardstick for RL's: a run that
// spends more KL for less gain follows its reward less well than plain sharpening would. The KL is
// exact per token over the vocabulary, KL(p_T || p_1) at the states the T-sampler visits, summed over
// the answer (for T = 0, the greedy answer: -log p_1 of each chosen token).
import { longTensor, noGrad, tidy } from "../torch/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { generateIds, type Generation } from "../model/generate.ts";
import { rightPadded } from "../model/pad.ts";
import type { MeanCI } from "../results/types.ts";
import { meanCI, pairedChange } from "./rate.ts";

export interface TemperatureHeadroomOptions {
  /** Temperatures to measure; 1 (the reference every gain is against) is added when missing. */
  temperatures: readonly number[];
  /** Answers per prompt at each T > 0 (greedy answers once). */
  samples: number;
  maxTokens: number;
  stop: readonly string[];
  /** Sampler seed of answer j to prompt i at temperature t. */
  seedOf: (t: number, i: number, j: number) => number;
  /** The scorer's value of an answer to prompt i (null: the answer has no score, e.g. a refusal to judge). */
  score: (i: number, text: string) => number | null;
  /** Reward models to read beside the scorer: each scores (prompt index, answer) pairs. */
  rewards?: Readonly<Record<string, (items: Array<{ i: number; text: string }>) => number[]>>;
  /** Bootstrap seed of the intervals. */
  seed: number;
}

export interface TemperatureRow {
  temperature: number;
  /** Mean scorer value over all answers. */
  score: number;
  /** KL(p_T || p_1) per answer, nats: mean over answers with a bootstrap interval. */
  kl_per_answer: MeanCI;
  tokens_per_answer: number;
  /** Paired over prompts: the prompt's mean score at T less its mean at T = 1. */
  score_gain: MeanCI;
  /** The same for each reward model's mean score. */
  reward_gain: Record<string, MeanCI>;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const BATCH = 64;

/** Per answer: the sum over its tokens of the exact KL(p_T || p_1) (T = 0: -log p_1 of each token). */
export function answerKl(
  model: CausalLM,
  tok: TextTokenizer,
  prompts: readonly number[][],
  gens: Generation[],
  T: number,
): number[] {
  const out: number[] = [];
  for (let b = 0; b < gens.length; b += BATCH) {
    const rows = gens.slice(b, b + BATCH).map((g, r) => {
      const p = prompts[b + r];
      return { ids: [...p, ...g.ids, ...(g.finish === "eos" ? [tok.eosId] : [])], start: p.length };
    });
    const { flat, T: width } = rightPadded(
      rows.map((r) => r.ids),
      tok.padId,
    );
    const perToken = noGrad(() =>
      tidy(() => {
        const logits = model.forward(longTensor(flat, [rows.length, width], model.device)).logits!;
        const l1 = logits.logSoftmax(-1);
        if (T <= 0) {
          // Greedy: p_T is one-hot on the arg-max token, so KL = -log p_1(arg max) = -max log p_1.
          return l1.amax([2]).neg().dataSync() as Float32Array;
        }
        const lT = logits.div(T).logSoftmax(-1);
        return lT.exp().mul(lT.sub(l1)).sum([2]).dataSync() as Float32Array;
      }),
    );
    rows.forEach((r, i) => {
      let k = 0;
      // Position t predicts token t + 1: the answer's tokens are predicted from start - 1 to the end - 2.
      for (let t = r.start - 1; t < r.ids.length - 1; t++) k += perToken[i * width + t];
      out.push(k);
    });
  }
  return out;
}

/** One row per temperature: T = 1 first, then the others from the highest down. */
export function temperatureHeadroom(
  model: CausalLM,
  tok: TextTokenizer,
  prompts: readonly string[],
  o: TemperatureHeadroomOptions,
): TemperatureRow[] {
  if (prompts.length === 0) throw new Error("temperatureHeadroom: no prompts");
  if (!(o.samples >= 1)) throw new Error(`temperatureHeadroom: samples must be >= 1, got ${o.samples}`);
  // T = 1 first: every other row is paired against it.
  const temps = [1, ...[...new Set(o.temperatures)].filter((t) => t !== 1).sort((a, b) => b - a)];
  if (temps.some((t) => !(t >= 0))) throw new Error(`temperatureHeadroom: temperatures must be >= 0, got ${temps}`);
  const promptIds = prompts.map((p) => tok.encode(p));
  const names = Object.keys(o.rewards ?? {});
  // Per prompt at T = 1: its mean score and mean rewards, what every row's gains are paired against.
  let ref: { score: (number | null)[]; rewards: Record<string, (number | null)[]> } | null = null;
  const rows: TemperatureRow[] = [];
  for (const t of temps) {
    const k = t > 0 ? o.samples : 1;
    const idx = prompts.flatMap((_, i) => Array.from({ length: k }, (_, j) => ({ i, j })));
    const ids = idx.map(({ i }) => promptIds[i]);
    const gens = generateIds(model, tok, ids, {
      maxTokens: o.maxTokens,
      temperature: t,
      stop: [...o.stop],
      seed: idx.map(({ i, j }) => o.seedOf(t, i, j)),
    });
    const kl = answerKl(model, tok, ids, gens, t);
    const scores = idx.map(({ i }, a) => o.score(i, gens[a].text));
    const rewards = Object.fromEntries(
      names.map((n) => [n, o.rewards![n](idx.map(({ i }, a) => ({ i, text: gens[a].text })))]),
    );
    const byPrompt = (xs: readonly (number | null)[]): (number | null)[] =>
      prompts.map((_, i) => {
        const own = xs.slice(i * k, (i + 1) * k).filter((x): x is number => x !== null);
        return own.length ? mean(own) : null;
      });
    const here = {
      score: byPrompt(scores),
      rewards: Object.fromEntries(names.map((n) => [n, byPrompt(rewards[n])])),
    };
    const base = (ref ??= here);
    const paired = (a: (number | null)[], b: (number | null)[]) => pairedChange(a, b, o.seed) ?? meanCI([], o.seed);
    rows.push({
      temperature: t,
      score: mean(scores.filter((x): x is number => x !== null)),
      kl_per_answer: meanCI(kl, o.seed),
      tokens_per_answer: mean(gens.map((g) => g.ids.length)),
      score_gain: paired(here.score, base.score),
      reward_gain: Object.fromEntries(names.map((n) => [n, paired(here.rewards[n], base.rewards[n])])),
    });
  }
  return rows;
}
