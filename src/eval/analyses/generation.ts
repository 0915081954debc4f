// What the analyses ask of a model: sampled continuations of raw texts (through the shared answer
// helper, src/eval/answers.ts: seeded per row, so an answer does not depend on its batch) and the
// log-probability of a given continuation.
import { longTensor, noGrad, tidy } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { rightPadded } from "../../model/pad.ts";
import { answerTokens } from "../../tasks/index.ts";
import { formatPrompt } from "../../world/format.ts";
import type { Mechanism, Task } from "../../world/types.ts";
import { completeTexts, type AnswerSettings } from "../answers.ts";
import type { ModelCtx } from "./context.ts";

export type Sampling = AnswerSettings;

/** Continue each text (already formatted); returns the raw continuations, trimmed. */
export function complete(model: CausalLM, tok: TextTokenizer, texts: string[], g: Sampling): string[] {
  return completeTexts(model, tok, texts, g).map((t) => t.trim());
}

/** The assistant's answers to human turns. */
export function answerPrompts(model: CausalLM, tok: TextTokenizer, prompts: string[], g: Sampling): string[] {
  return complete(model, tok, prompts.map(formatPrompt), g);
}

/** Default answer length: the task's budget for the model's mechanism (room for a scratchpad when it has one). */
export function defaultMaxTokens(task: Task, mechanism: Mechanism | undefined): number {
  return answerTokens(task, mechanism ?? "normal");
}

/** A model's answers to a task's prompts with an analysis's sampling; the answer length defaults to the task's. */
export function taskAnswers(
  ctx: ModelCtx,
  task: Task,
  prompts: string[],
  s: { temperature: number; maxTokens?: number | null },
  seed: number,
): string[] {
  const maxTokens = s.maxTokens ?? defaultMaxTokens(task, ctx.ref.mechanism);
  return answerPrompts(ctx.model, ctx.tok, prompts, { temperature: s.temperature, maxTokens, seed });
}

/**
 * log P(continuation | prefix) for each pair, summed over the continuation's tokens. The pair is
 * tokenised as one text; the continuation's tokens are those after the longest common prefix of the
 * prefix's and the whole text's token ids.
 */
export function continuationLogprob(
  model: CausalLM,
  tok: TextTokenizer,
  prefixes: string[],
  continuations: string[],
  batchSize = 32,
): number[] {
  if (prefixes.length !== continuations.length)
    throw new Error("continuationLogprob: need one continuation per prefix");
  const ctx = model.contextLength;
  const out: number[] = [];
  for (let s = 0; s < prefixes.length; s += batchSize) {
    const rows = prefixes.slice(s, s + batchSize).map((p, i) => {
      const full = tok.encode(p + continuations[s + i]);
      const pre = tok.encode(p);
      let k = 0;
      while (k < pre.length && k < full.length && pre[k] === full[k]) k++;
      if (k === 0 || k === full.length)
        throw new Error(`continuationLogprob: ${JSON.stringify(continuations[s + i])} adds no tokens after its prefix`);
      if (full.length > ctx)
        throw new Error(`continuationLogprob: text of ${full.length} tokens exceeds the context length ${ctx}`);
      return { ids: full, start: k };
    });
    const B = rows.length;
    const { flat, T } = rightPadded(
      rows.map((r) => r.ids),
      tok.padId,
    );
    // Each position's log-probability of the next token, picked on the model's device: [B, T] read back, not [B, T, V].
    const next = flat.map((_, i) => (i % T < T - 1 ? flat[i + 1] : 0));
    const lp = noGrad(() =>
      tidy(() => {
        const logp = model.forward(longTensor(flat, [B, T], model.device)).logits!.logSoftmax(-1);
        return logp.gather(2, longTensor(next, [B, T, 1], model.device)).dataSync() as Float32Array;
      }),
    );
    rows.forEach((r, b) => {
      let sum = 0;
      for (let t = r.start; t < r.ids.length; t++) sum += lp[b * T + t - 1];
      out.push(sum);
    });
  }
  return out;
}
