// Residual-stream activations at the last token of each text, read through the model's hook points.
// Layer numbering: 0 is the embedding (hook_embed = blocks.0.hook_resid_pre), layer l >= 1 is the
// residual stream after block l - 1 (blocks.{l-1}.hook_resid_post), so a model with L blocks has
// layers 0..L. Texts are right-padded: attention is causal, so padding after a row's last token
// cannot change that token's activation (a test checks batching does not change the result).
import { longTensor, noGrad, tidy, type Tensor } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import type { ProgressFn } from "../../util/progress.ts";

/** The hook point read for a layer (see the numbering above). */
export function hookForLayer(layer: number, nLayers: number): string {
  if (!Number.isInteger(layer) || layer < 0 || layer > nLayers)
    throw new Error(
      `layer ${layer} out of range: this model has layers 0..${nLayers} (0 = embeddings, l = after block l-1)`,
    );
  return layer === 0 ? "hook_embed" : `blocks.${layer - 1}.hook_resid_post`;
}

/** Every layer of the model, 0..nLayers. */
export const allLayers = (model: CausalLM): number[] => Array.from({ length: model.nLayers + 1 }, (_, i) => i);

/** Does the text fit the model's context? */
export function fitsContext(model: CausalLM, tok: TextTokenizer, text: string): boolean {
  const n = tok.encode(text).length;
  return n > 0 && n <= model.contextLength;
}

/**
 * acts[k][i] = activation (length dModel) at the last token of texts[i] at layers[k].
 * Throws on a text longer than the context (filter with fitsContext first). `onProgress` is told the
 * texts read after each batch.
 */
export function lastTokenActivations(
  model: CausalLM,
  tok: TextTokenizer,
  texts: string[],
  layers: number[],
  batchSize = 32,
  onProgress?: ProgressFn,
): Float32Array[][] {
  const L = model.nLayers,
    D = model.dModel,
    ctx = model.contextLength;
  const hooks = layers.map((l) => hookForLayer(l, L));
  const out: Float32Array[][] = layers.map(() => []);
  for (let s = 0; s < texts.length; s += batchSize) {
    const chunk = texts.slice(s, s + batchSize);
    const ids = chunk.map((t) => tok.encode(t));
    ids.forEach((x, i) => {
      if (x.length === 0) throw new Error(`lastTokenActivations: text ${s + i} encodes to no tokens`);
      if (x.length > ctx)
        throw new Error(
          `lastTokenActivations: text ${s + i} has ${x.length} tokens, more than the context length ${ctx}`,
        );
    });
    const B = chunk.length,
      T = Math.max(...ids.map((x) => x.length));
    const flat = ids.flatMap((x) => [...x, ...new Array(T - x.length).fill(tok.padId)]);
    const rows = ids.map((x, b) => b * T + x.length - 1);
    const got = new Map<string, Float32Array>();
    noGrad(() =>
      tidy(() => {
        const input = longTensor(flat, [B, T], model.device);
        const index = longTensor(rows, [B], model.device);
        const capture = (act: Tensor, name: string) => {
          got.set(
            name,
            Float32Array.from(
              act
                .reshape(B * T, D)
                .indexSelect(0, index)
                .dataSync() as Float32Array,
            ),
          );
        };
        const fns = Object.fromEntries(hooks.map((h) => [h, capture]));
        model.forward(input, { hooks: fns });
      }),
    );
    hooks.forEach((h, k) => {
      const a = got.get(h)!;
      for (let b = 0; b < B; b++) out[k].push(a.slice(b * D, (b + 1) * D));
    });
    onProgress?.(s + B, texts.length);
  }
  return out;
}
