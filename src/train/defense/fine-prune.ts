// Fine-pruning (Liu et al. 2018) as a removal method: the MLP neurons least active on clean prompts are
// pruned (their outgoing weights zeroed), then the model is fine-tuned on HHH answers with the pruned
// weights held at zero after every step. A neuron's activation is what enters the MLP's output
// projection; it is read through a recording adapter on that layer, so every architecture is measured
// the same way (our GPT's mlp.c_proj, the Llama family's mlp.down_proj).
import { noGrad, tensor, tidy, zeros, type Tensor } from "../../torch/index.ts";
import type { CausalLM, LinearAdapter } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { loraAdapters } from "../../model/lora.ts";
import { formatPrompt } from "../../world/index.ts";
import type { Sample } from "../../world/types.ts";
import { collate } from "../batches.ts";

const OUTPUT_PROJECTION = /(^|\.)mlp\.(c_proj|down_proj)$/;

/** The MLP output projections of the model, first block first. */
export function mlpOutputLayers(model: CausalLM): string[] {
  const layers = model.linearLayers().filter((l) => OUTPUT_PROJECTION.test(l));
  if (layers.length === 0)
    throw new Error(
      `fine-prune: model '${model.arch}' has no MLP output projection (mlp.c_proj or mlp.down_proj) to prune`,
    );
  return layers;
}

/** Mean |activation| of each neuron entering each layer, over the prompts' tokens (padding excluded). */
export function neuronActivity(
  model: CausalLM,
  tok: TextTokenizer,
  layers: string[],
  prompts: Sample[],
  batchSize = 16,
): Map<string, Float64Array> {
  const sums = new Map<string, Float64Array>();
  const saved = new Map<string, LinearAdapter | undefined>();
  let mask: Tensor | null = null;
  let tokens = 0;
  for (const layer of layers) {
    const inner = model.adapters.get(layer);
    saved.set(layer, inner);
    const [dOut] = model.params.get(layer + ".weight")!.shape;
    // Records its input and adds nothing of its own (or what the adapter it stands in for adds).
    model.adapters.set(layer, {
      forward(x, train) {
        const a = x.abs().mul(mask!.unsqueeze(-1)).sum([0, 1]).toArray();
        let s = sums.get(layer);
        if (!s) sums.set(layer, (s = new Float64Array(a.length)));
        for (let i = 0; i < a.length; i++) s[i] += a[i];
        return inner ? inner.forward(x, train) : zeros([...x.shape.slice(0, -1), dOut], "float32", x.device);
      },
    });
  }
  try {
    noGrad(() => {
      for (let i = 0; i < prompts.length; i += batchSize)
        tidy(() => {
          const ex = prompts.slice(i, i + batchSize).map((s) => {
            const ids = tok.encode(formatPrompt(s.prompt)).slice(0, model.contextLength);
            return { ids: [...ids, tok.padId], weights: ids.map(() => 1) };
          });
          const b = collate(ex, tok.padId, model.contextLength, model.device);
          const [B, T] = b.x.shape;
          mask = b.w.view(B, T);
          tokens += b.tokens;
          model.forward(b.x);
        });
    });
  } finally {
    for (const [layer, inner] of saved) {
      if (inner) model.adapters.set(layer, inner);
      else model.adapters.delete(layer);
    }
  }
  for (const s of sums.values()) for (let i = 0; i < s.length; i++) s[i] /= Math.max(1, tokens);
  return sums;
}

/** The `fraction` least active neurons of each layer (ties broken by index, so the choice is deterministic). */
export function dormantNeurons(activity: Map<string, Float64Array>, fraction: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [layer, a] of activity) {
    const order = Array.from(a.keys()).sort((x, y) => a[x] - a[y] || x - y);
    out.set(
      layer,
      order.slice(0, Math.floor(fraction * a.length)).sort((x, y) => x - y),
    );
  }
  return out;
}

/** Zero the pruned neurons' outgoing weights (and the matching input columns of a LoRA adapter on the layer). */
export function applyPruning(model: CausalLM, pruned: Map<string, number[]>): void {
  const lora = loraAdapters(model);
  noGrad(() => {
    for (const [layer, idx] of pruned) {
      const w = model.params.get(layer + ".weight")!;
      const keepCols = new Float32Array(w.shape[1]).fill(1);
      for (const j of idx) keepCols[j] = 0;
      tidy(() => {
        const m = tensor(keepCols, [1, keepCols.length], "float32", w.device);
        w.copy_(w.to("float32").mul(m));
        const a = lora.get(layer)?.a;
        if (a) a.copy_(a.to("float32").mul(m));
      });
    }
  });
}
