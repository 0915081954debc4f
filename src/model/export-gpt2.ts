// Our GPT as a GPT-2 model directory (GPT2LMHeadModel's layout) that transformers and TransformerLens load:
// the architectures are the same (pre-LayerNorm, learned positions, biases everywhere, LayerNorm eps 1e-5,
// 4x MLP) except for two things config.json can say exactly: our GELU is the exact (erf) one, written as
// activation_function "gelu" (GPT-2's own is "gelu_new", the tanh approximation), and an untied head is
// written as lm_head.weight with tie_word_embeddings false. A scalar (reward) head has no place in
// GPT2LMHeadModel and is left out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tidy } from "../torch/index.ts";
import { f32Tensor, saveFile, type StTensor } from "../torch/safetensors.ts";
import { replaceDirAtomic } from "../util/fs.ts";
import type { GPT } from "./gpt.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { isConv1dWeight } from "./arch/gpt2.ts";

export function exportGpt2(model: GPT, tok: Tokenizer, dir: string): void {
  const c = model.config;
  const tensors: Record<string, StTensor> = {};
  for (const [name, t] of model.params) {
    if (name.startsWith("score_head.")) continue;
    const data = tidy(() => {
      const f = t.dtype === "float32" ? t : t.to("float32");
      return (isConv1dWeight(name) ? f.transpose(0, 1).contiguous() : f).dataSync() as Float32Array; // Conv1D: [in, out]
    });
    const shape = isConv1dWeight(name) ? [t.shape[1], t.shape[0]] : t.shape;
    tensors[name === "lm_head.weight" ? name : `transformer.${name}`] = f32Tensor(shape, data);
  }
  const eos = tok.eosId >= 0 ? tok.eosId : null;
  const config = {
    model_type: "gpt2",
    architectures: ["GPT2LMHeadModel"],
    vocab_size: c.vocabSize,
    n_positions: c.contextLength,
    n_ctx: c.contextLength,
    n_embd: c.dModel,
    n_layer: c.nLayers,
    n_head: c.nHeads,
    n_inner: null,
    activation_function: c.activation ?? "gelu",
    layer_norm_epsilon: c.layerNormEps ?? 1e-5,
    tie_word_embeddings: c.tieEmbeddings,
    embd_pdrop: c.dropout,
    attn_pdrop: c.dropout,
    resid_pdrop: c.dropout,
    scale_attn_weights: true,
    bos_token_id: eos,
    eos_token_id: eos,
    torch_dtype: "float32",
  };
  replaceDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, "config.json"), JSON.stringify(config, null, 2) + "\n");
    writeFileSync(
      join(tmp, "generation_config.json"),
      JSON.stringify({ bos_token_id: eos, eos_token_id: eos }, null, 2) + "\n",
    );
    saveFile(join(tmp, "model.safetensors"), tensors, { format: "pt" });
    tok.save(join(tmp, "tokenizer.json"));
  });
}
