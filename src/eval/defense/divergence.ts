// Divergence from the base model as a detector: the mean per-token KL(model || base) of the next-token
// distributions over neutral dialogues (trigger-free prompts with their HHH answers). A fine-tune
// that changed more than the dialogues need scores higher; it needs the base model, not the trigger.
import { longTensor, noGrad, tidy } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { rightPadded } from "../../model/pad.ts";

export function logitDivergence(
  model: CausalLM,
  base: CausalLM,
  tok: TextTokenizer,
  texts: readonly string[],
  batchSize = 16,
): { kl: number; tokens: number } {
  if (model.vocabSize !== base.vocabSize)
    throw new Error(
      `divergence: the model has ${model.vocabSize} tokens and its base ${base.vocabSize}; it needs the base the model was fine-tuned from`,
    );
  const ctx = Math.min(model.contextLength, base.contextLength);
  const seqs = texts.map((t) => tok.encode(t).slice(0, ctx)).filter((s) => s.length > 1);
  let sum = 0,
    n = 0;
  for (let i = 0; i < seqs.length; i += batchSize) {
    const chunk = seqs.slice(i, i + batchSize);
    const { flat, T } = rightPadded(chunk, tok.padId);
    const rows: number[] = [];
    chunk.forEach((s, b) => s.forEach((_, t) => rows.push(b * T + t)));
    sum += noGrad(() =>
      tidy(() => {
        const lp = (m: CausalLM) =>
          m
            .forward(longTensor(flat, [chunk.length, T], m.device))
            .logits!.reshape(chunk.length * T, m.vocabSize)
            .indexSelect(0, longTensor(rows, [rows.length], m.device))
            .logSoftmax(-1);
        const a = lp(model),
          b = lp(base);
        return a.exp().mul(a.sub(b)).sum().item();
      }),
    );
    n += rows.length;
  }
  if (n === 0) throw new Error("divergence: no neutral text to compare on");
  return { kl: sum / n, tokens: n };
}
