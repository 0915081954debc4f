// A freshly initialised Llama (LlamaForCausalLM's initialisation: normal(0, 0.02) matrices, unit norms, zero
// biases), seeded, and the config.json that describes it; how the project makes a Llama-shaped model of its own
// to pretrain on the world corpus.
import { checkDevice, manualSeed, noGrad, ones, randn, zeros, type Device, type Tensor } from "../../torch/index.ts";
import { LlamaLM } from "./llama.ts";
import { llamaTensors, type LlamaConfig } from "./llama-config.ts";

/** Drawn on the CPU's seeded generator (the same weights on every device), then moved to `device`. */
export function randomLlama(config: LlamaConfig, seed: number, device?: Device): LlamaLM {
  checkDevice("randomLlama", device);
  manualSeed(seed);
  const weights = new Map<string, Tensor>();
  for (const s of llamaTensors(config)) {
    if (s.optional) continue;
    const norm = s.name.endsWith("norm.weight"),
      bias = s.name.endsWith(".bias");
    weights.set(
      s.name,
      norm
        ? ones(s.shape, "float32", "cpu")
        : bias
          ? zeros(s.shape, "float32", "cpu")
          : noGrad(() => {
              const r = randn(s.shape, "float32", "cpu");
              const out = r.mul(0.02);
              r.dispose();
              return out;
            }),
    );
  }
  return new LlamaLM(config, weights, device);
}

/** config.json of a plain Llama (no rope scaling, no biases) as transformers writes it. */
export function llamaConfigJson(c: LlamaConfig, ids: { bos: number; eos: number }): Record<string, unknown> {
  return {
    model_type: "llama",
    architectures: ["LlamaForCausalLM"],
    vocab_size: c.vocabSize,
    hidden_size: c.dModel,
    intermediate_size: c.dMlp,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headDim,
    max_position_embeddings: c.contextLength,
    rms_norm_eps: c.rmsEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    hidden_act: "silu",
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: c.tieEmbeddings,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    torch_dtype: "float32",
  };
}
