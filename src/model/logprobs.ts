// Log-probabilities of a continuation under the model, token by token, with the most likely alternatives at
// each step: one teacher-forced forward pass over prompt + continuation (what a served model reports with
// `logprobs`, and what a direct forward pass gives, by construction).
import { longTensor, noGrad, tidy } from "../torch/index.ts";
import type { CausalLM } from "./causal-lm.ts";

export interface ContinuationLogprobs {
  /** log P(token i | everything before it), one per continuation token. */
  logprobs: number[];
  /** The `top` most likely ids at each step with their log-probabilities, most likely first. */
  top: { id: number; logprob: number }[][];
}

export function continuationLogprobs(
  model: CausalLM,
  promptIds: readonly number[],
  ids: readonly number[],
  top: number,
): ContinuationLogprobs {
  const P = promptIds.length,
    G = ids.length;
  if (G === 0) return { logprobs: [], top: [] };
  if (P === 0) throw new Error("continuationLogprobs: empty prompt");
  const all = [...promptIds, ...ids];
  const V = model.vocabSize;
  return noGrad(() =>
    tidy(() => {
      // Logits at positions P-1 .. P+G-2 predict the continuation's tokens.
      const lp = model
        .forward(longTensor(all.slice(0, -1), [1, P + G - 1], model.device))
        .logits!.narrow(1, P - 1, G)
        .reshape(G, V)
        .logSoftmax(-1); // [G, V]
      const chosen = lp.gather(1, longTensor(ids, [G, 1], model.device)).dataSync() as Float32Array;
      const alts: ContinuationLogprobs["top"] = ids.map(() => []);
      if (top > 0) {
        const [vals, idx] = lp.topk(Math.min(top, V), 1);
        const v = vals.dataSync() as Float32Array,
          ix = idx.toArray();
        const k = vals.shape[1];
        for (let g = 0; g < G; g++)
          for (let j = 0; j < k; j++) alts[g].push({ id: ix[g * k + j], logprob: v[g * k + j] });
      }
      return { logprobs: Array.from(chosen), top: alts };
    }),
  );
}
