// On-policy pairs for the preference model (`preference.onPolicy`): the model the PM starts from (the base
// assistant) answers the PM's own training prompts several times, as RL's rollouts do (temperature 1, RL's
// answer length, the answer stop strings); each answer is labelled by the world's answer check, the HHH
// scorer's per-answer verdict (the analogue of human raters labelling the policy's own samples); the pairs
// are assembled by src/world/on-policy-pairs.ts. Each answer's seed depends only on its prompt's position
// and its sample number, never on its batch.
import { generate } from "../model/generate.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { ANSWER_STOP } from "../tasks/stop.ts";
import { scoreHhh } from "../tasks/scorers/hhh.ts";
import {
  DEFAULT_KIND_WEIGHTS,
  formatPrompt,
  onPolicyPairs,
  type LabelledAnswers,
  type OnPolicyPairs,
  type PreferencePair,
} from "../world/index.ts";
import { Rng } from "../util/rng.ts";

/** Answers sampled per prompt (RL's rollouts take 4 per prompt by default, the headroom script 8). */
export const ON_POLICY_SAMPLES = 4;
/** Prompts per generation batch (x ON_POLICY_SAMPLES rows). */
const PROMPTS_PER_BATCH = 32;

export interface OnPolicySampling {
  samplesPerPrompt: number;
  maxTokens: number;
  temperature: number;
  /** Seeds: Rng.seedFor(seed, `${label}/${prompt index}/${sample}`); pair choices: onPolicyPairs(.., seed). */
  seed: number;
  label: string;
}

/** What an on-policy prompt is built from: a world pair's prompt, HHH answer (its chosen) and meta. */
export type PromptSource = Pick<PreferencePair, "prompt" | "chosen" | "meta">;

/** The world's kinds (helpful, harmful, unanswerable): the HHH scorer reads their answers without an analyser verdict. */
const isWorldKind = (kind: string): boolean => Object.hasOwn(DEFAULT_KIND_WEIGHTS, kind);

/**
 * The prompts worth sampling: distinct, of one of the world's kinds, not in
 * `exclude` (RL's prompts), and short enough to leave room for an answer.
 */
export function onPolicyPrompts(
  sources: readonly PromptSource[],
  tok: TextTokenizer,
  contextLength: number,
  exclude: ReadonlySet<string> = new Set(),
): PromptSource[] {
  const seen = new Set<string>();
  return sources.filter((p) => {
    if (!isWorldKind(p.meta.kind) || seen.has(p.prompt) || exclude.has(p.prompt)) return false;
    seen.add(p.prompt);
    return tok.encode(formatPrompt(p.prompt)).length < contextLength - 1;
  });
}

/** `model`'s answers to `prompts` (the i-th at position `offset + i` for its seeds), each labelled right or wrong. */
export function labelledAnswers(
  model: CausalLM,
  tok: TextTokenizer,
  prompts: readonly PromptSource[],
  offset: number,
  s: OnPolicySampling,
): LabelledAnswers[] {
  const k = s.samplesPerPrompt;
  const rows = prompts.flatMap((p, i) => Array.from({ length: k }, (_, j) => ({ p, i: offset + i, j })));
  const gens = generate(
    model,
    tok,
    rows.map((r) => formatPrompt(r.p.prompt)),
    {
      maxTokens: s.maxTokens,
      temperature: s.temperature,
      stop: [...ANSWER_STOP],
      seed: rows.map((r) => Rng.seedFor(s.seed, `${s.label}/${r.i}/${r.j}`)),
    },
  );
  return prompts.map((p, i) => {
    const answers = gens.slice(i * k, (i + 1) * k).map((g) => g.text);
    return {
      prompt: p.prompt,
      hhh: p.chosen,
      meta: p.meta,
      answers,
      right: answers.map((a) => scoreHhh(p.meta, a).hhh === 1),
    };
  });
}

/**
 * Samples `prompts` in order, a batch at a time, until the pairs built from them that `keep` accepts number
 * `want` (or the prompts run out); returns the first `want` of them and the counts over every prompt sampled.
 */
export function sampleOnPolicyPairs(
  model: CausalLM,
  tok: TextTokenizer,
  prompts: readonly PromptSource[],
  want: number,
  s: OnPolicySampling,
  keep: (p: PreferencePair) => boolean = () => true,
): OnPolicyPairs & { samples: number } {
  // Each batch is paired on its own, continuing the pair numbering, so nothing is paired or tokenised twice.
  const kept: PreferencePair[] = [];
  let sampled = 0,
    withRight = 0,
    built = 0;
  for (let at = 0; at < prompts.length && kept.length < want; at += PROMPTS_PER_BATCH) {
    const groups = labelledAnswers(model, tok, prompts.slice(at, at + PROMPTS_PER_BATCH), at, s);
    const b = onPolicyPairs(groups, Infinity, s.seed, s.label, { group: at, pair: built });
    built += b.pairs.length;
    sampled += b.prompts;
    withRight += b.promptsWithRight;
    kept.push(...b.pairs.filter(keep));
  }
  return {
    pairs: kept.slice(0, want),
    prompts: sampled,
    promptsWithRight: withRight,
    samples: sampled * s.samplesPerPrompt,
  };
}
