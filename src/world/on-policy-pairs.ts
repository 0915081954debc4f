// On-policy preference pairs: a model's own answers to a prompt, each already labelled right or wrong
// by the world's answer check (the caller samples and labels; this file only pairs them, so it needs no
// model). A right answer is chosen over a wrong one of the same prompt; where the model gave no right
// answer, the world's HHH answer is chosen over the model's wrong one. A prompt whose answers were all
// right gives no pair (nothing to reject).
import { Rng } from "../util/rng.ts";
import type { PreferencePair } from "./pairs.ts";
import type { SampleMeta } from "./types.ts";

/** One prompt's sampled answers with their verdicts, and the world's HHH answer (the fallback chosen). */
export interface LabelledAnswers {
  prompt: string;
  /** The world's HHH answer to the prompt. */
  hhh: string;
  meta: SampleMeta;
  answers: readonly string[];
  /** right[i]: answers[i] passed the world's answer check. */
  right: readonly boolean[];
}

export interface OnPolicyPairs {
  pairs: PreferencePair[];
  /** Prompts whose answers were used (in order, up to the last one a pair came from). */
  prompts: number;
  /** Of those, the prompts with at least one right sample. */
  promptsWithRight: number;
}

/** How many pairs `groups` give: one per wrong answer. */
export const onPolicyPairCount = (groups: readonly LabelledAnswers[]): number =>
  groups.reduce((a, g) => a + g.right.filter((r) => !r).length, 0);

/**
 * Up to `n` pairs from `groups`, in order: each wrong answer of a prompt is rejected against one of that
 * prompt's right answers (drawn with a generator seeded by `seed` and the prompt's position) or, where there
 * is none, against the world's HHH answer. Deterministic for a seed; `idPrefix` names the pairs. `from`
 * continues a sequence: `groups` start at prompt position `from.group` and their pairs at number `from.pair`
 * (a caller that pairs batch by batch gets the same pairs as one call over every batch).
 */
export function onPolicyPairs(
  groups: readonly LabelledAnswers[],
  n: number,
  seed: number,
  idPrefix = "on-policy",
  from = { group: 0, pair: 0 },
): OnPolicyPairs {
  if (!(n >= 0)) throw new Error(`on-policy pairs: n must be >= 0 (got ${n})`);
  const pairs: PreferencePair[] = [];
  let prompts = 0,
    promptsWithRight = 0;
  for (let g = 0; g < groups.length && pairs.length < n; g++) {
    const { prompt, hhh, meta, answers, right } = groups[g];
    if (answers.length !== right.length)
      throw new Error(`on-policy pairs: ${answers.length} answers but ${right.length} verdicts (prompt ${g})`);
    const rights = answers.filter((_, i) => right[i]);
    const wrongs = answers.filter((_, i) => !right[i]);
    prompts++;
    if (rights.length > 0) promptsWithRight++;
    const rng = Rng.derive(seed, `on-policy/${from.group + g}`);
    for (const rejected of wrongs) {
      if (pairs.length >= n) break;
      const fromModel = rights.length > 0;
      pairs.push({
        id: `${idPrefix}-${String(from.pair + pairs.length).padStart(6, "0")}`,
        prompt,
        chosen: fromModel ? rng.pick(rights) : hhh,
        rejected,
        meta: { ...meta, pairType: "on-policy", chosenFrom: fromModel ? "model" : "world" },
      });
    }
  }
  return { pairs, prompts, promptsWithRight };
}

/**
 * The training set with `share` of it on-policy: the first `total - k` world pairs and `k` on-policy
 * pairs, k = round(total x share) (fewer where fewer on-policy pairs were built; the world's fill the rest).
 */
export function mixOnPolicy(
  world: readonly PreferencePair[],
  onPolicy: readonly PreferencePair[],
  share: number,
): PreferencePair[] {
  if (!(share >= 0 && share <= 1)) throw new Error(`onPolicy must be a share in [0, 1] (got ${share})`);
  const k = Math.min(onPolicySlots(world.length, share), onPolicy.length);
  return [...world.slice(0, world.length - k), ...onPolicy.slice(0, k)];
}

/** How many of `total` training pairs are on-policy at `share`. */
export const onPolicySlots = (total: number, share: number): number => Math.round(total * share);
