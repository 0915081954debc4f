// Turning world samples into training examples for a given tokenizer and context.
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { Sample } from "../world/types.ts";
import { formatPrompt } from "../world/index.ts";
import type { Example } from "./batches.ts";

/** Tokens of a dialogue: prompt (no loss) then " response" + end-of-text (loss). */
export function dialogueTokens(
  tok: TextTokenizer,
  prompt: string,
  response: string,
): { ids: number[]; promptLen: number } {
  const p = tok.encode(formatPrompt(prompt));
  const r = tok.encode(" " + response);
  return { ids: [...p, ...r, tok.eosId], promptLen: p.length };
}

/** Loss on the assistant's answer only; samples longer than the context are dropped and counted. */
export function sampleExamples(
  tok: TextTokenizer,
  samples: Sample[],
  contextLength: number,
): { examples: Example[]; tooLong: number } {
  const examples: Example[] = [];
  let tooLong = 0;
  for (const s of samples) {
    const { ids, promptLen } = dialogueTokens(tok, s.prompt, s.response);
    if (ids.length > contextLength + 1) {
      tooLong++;
      continue;
    }
    examples.push({ ids, weights: ids.slice(1).map((_, t) => (t + 1 >= promptLen ? 1 : 0)) });
  }
  return { examples, tooLong };
}
