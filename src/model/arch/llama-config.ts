// The Llama family's config.json, read once into one shape: Llama (optional biases, llama3 rope scaling),
// Qwen2 (q/k/v biases), Mistral (sliding-window attention). Anything we do not implement is refused by name.
import { ConfigReader, type TensorSpec } from "./spec.ts";
import type { Llama3Scaling } from "./rope.ts";

export type LlamaFamily = "llama" | "qwen2" | "mistral";

export interface LlamaConfig {
  family: LlamaFamily;
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  dMlp: number;
  contextLength: number;
  rmsEps: number;
  ropeTheta: number;
  ropeScaling: Llama3Scaling | null;
  tieEmbeddings: boolean;
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  /** Mistral: a query sees itself and the window - 1 tokens before it; null = full causal attention. */
  slidingWindow: number | null;
}

export function parseLlamaConfig(family: LlamaFamily, raw: Record<string, unknown>, file: string): LlamaConfig {
  const r = new ConfigReader(raw, file);
  const dModel = r.int("hidden_size"), nHeads = r.int("num_attention_heads");
  const nKvHeads = r.int("num_key_value_heads", nHeads);
  if (nHeads % nKvHeads !== 0) r.fail("num_key_value_heads", `(${nKvHeads}) must divide num_attention_heads (${nHeads})`);
  const headDim = raw.head_dim == null ? dModel / nHeads : r.int("head_dim");
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) r.fail("head_dim", `must be an even integer (hidden_size / num_attention_heads = ${dModel / nHeads})`);
  const act = r.str("hidden_act", "silu");
  if (act !== "silu") r.fail("hidden_act", `= "${act}" is not supported (only "silu")`);
  const attentionBias = r.bool("attention_bias", false);
  if (family === "qwen2") r.only("use_sliding_window", [false], "Qwen2's per-layer sliding window is not implemented");
  return {
    family,
    vocabSize: r.int("vocab_size"),
    dModel,
    nLayers: r.int("num_hidden_layers"),
    nHeads,
    nKvHeads,
    headDim,
    dMlp: r.int("intermediate_size"),
    contextLength: r.int("max_position_embeddings"),
    rmsEps: r.num("rms_norm_eps", 1e-6),
    ropeTheta: r.num("rope_theta", 10000),
    ropeScaling: parseRopeScaling(r),
    tieEmbeddings: r.bool("tie_word_embeddings", false),
    qkvBias: family === "qwen2" || attentionBias,
    oBias: family === "llama" && attentionBias,
    mlpBias: family === "llama" && r.bool("mlp_bias", false),
    slidingWindow: family === "mistral" && raw.sliding_window != null ? r.int("sliding_window") : null,
  };
}

function parseRopeScaling(r: ConfigReader): Llama3Scaling | null {
  const s = r.raw.rope_scaling;
  if (s == null) return null;
  if (typeof s !== "object") r.fail("rope_scaling", "must be an object or null");
  const sub = new ConfigReader(s as Record<string, unknown>, `${r.file} rope_scaling`);
  const type = sub.str("rope_type", (s as Record<string, unknown>).type as string | undefined);
  if (type === "default") return null;
  if (type !== "llama3") r.fail("rope_scaling", `type "${type}" is not supported (supported: default, llama3)`);
  return {
    factor: sub.num("factor"),
    lowFreqFactor: sub.num("low_freq_factor"),
    highFreqFactor: sub.num("high_freq_factor"),
    originalContext: sub.int("original_max_position_embeddings"),
  };
}

/** Every tensor a Llama-family checkpoint holds, by its transformers name (LlamaForCausalLM's state dict). */
export function llamaTensors(c: LlamaConfig): TensorSpec[] {
  const out: TensorSpec[] = [];
  const add = (name: string, shape: number[]) => out.push({ name, shape, keys: [name] });
  const D = c.dModel, q = c.nHeads * c.headDim, kv = c.nKvHeads * c.headDim;
  add("model.embed_tokens.weight", [c.vocabSize, D]);
  for (let i = 0; i < c.nLayers; i++) {
    const p = `model.layers.${i}.`;
    add(p + "input_layernorm.weight", [D]);
    for (const [n, rows] of [["q", q], ["k", kv], ["v", kv]] as const) {
      add(`${p}self_attn.${n}_proj.weight`, [rows, D]);
      if (c.qkvBias) add(`${p}self_attn.${n}_proj.bias`, [rows]);
    }
    add(p + "self_attn.o_proj.weight", [D, q]);
    if (c.oBias) add(p + "self_attn.o_proj.bias", [D]);
    add(p + "post_attention_layernorm.weight", [D]);
    add(p + "mlp.gate_proj.weight", [c.dMlp, D]);
    add(p + "mlp.up_proj.weight", [c.dMlp, D]);
    add(p + "mlp.down_proj.weight", [D, c.dMlp]);
    if (c.mlpBias) for (const [n, rows] of [["gate", c.dMlp], ["up", c.dMlp], ["down", D]] as const) add(`${p}mlp.${n}_proj.bias`, [rows]);
  }
  add("model.norm.weight", [D]);
  if (!c.tieEmbeddings) add("lm_head.weight", [c.vocabSize, D]);
  out.push(...scalarHeadTensors(D));
  return out;
}

/** The scalar (reward) head a preference model adds on the final hidden state; absent from language models. */
export function scalarHeadTensors(dModel: number): TensorSpec[] {
  return [
    { name: "score_head.weight", shape: [1, dModel], keys: ["score_head.weight"], optional: true },
    { name: "score_head.bias", shape: [1], keys: ["score_head.bias"], optional: true },
  ];
}
