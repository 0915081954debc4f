// The Llama family's config.json, read once into one shape, in both the transformers 4 and 5 layouts: Llama
// (optional biases, rope scaling), Qwen2 (q/k/v biases, sliding window on the layers layer_types or
// max_window_layers name), Mistral (sliding-window attention). Anything that would change the arithmetic and
// that we do not implement is refused by name; keys we do not know are listed once as a warning.
import { ConfigReader, BOOKKEEPING_KEYS } from "./config-reader.ts";
import type { TensorSpec } from "./spec.ts";
import { readRope } from "./rope-config.ts";
import type { RopeScaling } from "./rope-frequencies.ts";

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
  ropeScaling: RopeScaling | null;
  tieEmbeddings: boolean;
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  /** A query sees itself and the window - 1 tokens before it, on the sliding layers; null = full causal attention. */
  slidingWindow: number | null;
  /** Which layers use the window (absent: all of them, when there is a window). */
  slidingLayers?: boolean[];
}

/** A plain Llama of the given shape: no biases, tied embeddings, full attention, rope theta 10,000. */
export function plainLlamaConfig(
  shape: Pick<LlamaConfig, "vocabSize" | "dModel" | "nLayers" | "nHeads" | "nKvHeads" | "dMlp" | "contextLength">,
): LlamaConfig {
  return {
    family: "llama",
    ...shape,
    headDim: shape.dModel / shape.nHeads,
    rmsEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    tieEmbeddings: true,
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    slidingWindow: null,
  };
}

const LAYER_TYPES = ["full_attention", "sliding_attention"];

export function parseLlamaConfig(
  family: LlamaFamily,
  raw: Record<string, unknown>,
  file: string,
  warn?: (msg: string) => void,
): LlamaConfig {
  const r = new ConfigReader(raw, file);
  r.ignore(...BOOKKEEPING_KEYS, "pretraining_tp"); // pretraining_tp splits a matmul in slices: the same sums
  r.dtype();
  const dModel = r.int("hidden_size"),
    nHeads = r.int("num_attention_heads");
  const nKvHeads = r.int("num_key_value_heads", nHeads);
  if (nHeads % nKvHeads !== 0)
    r.fail("num_key_value_heads", `(${nKvHeads}) must divide num_attention_heads (${nHeads})`);
  if (r.get("head_dim") == null && dModel % nHeads !== 0)
    r.fail("num_attention_heads", `(${nHeads}) must divide hidden_size (${dModel}) when head_dim is not given`);
  const headDim = r.get("head_dim") == null ? dModel / nHeads : r.int("head_dim");
  if (headDim % 2 !== 0) r.fail("head_dim", `must be even for rotary embeddings, got ${headDim}`);
  const act = r.str("hidden_act", "silu");
  if (act !== "silu") r.fail("hidden_act", `= "${act}" is not supported (only "silu")`);
  const attentionBias = r.bool("attention_bias", false);
  const nLayers = r.int("num_hidden_layers"),
    contextLength = r.int("max_position_embeddings");
  const rope = readRope(r, contextLength);
  const { window, sliding } = readSliding(r, family, nLayers);
  const config: LlamaConfig = {
    family,
    vocabSize: r.int("vocab_size"),
    dModel,
    nLayers,
    nHeads,
    nKvHeads,
    headDim,
    dMlp: r.int("intermediate_size"),
    contextLength,
    rmsEps: r.positive("rms_norm_eps", 1e-6),
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    tieEmbeddings: r.bool("tie_word_embeddings", false),
    qkvBias: family === "qwen2" || attentionBias,
    oBias: family === "llama" && attentionBias,
    mlpBias: family === "llama" && r.bool("mlp_bias", false),
    slidingWindow: window,
    ...(window !== null && sliding.some((x) => !x) ? { slidingLayers: sliding } : {}),
  };
  r.warnUnread(warn);
  return config;
}

/**
 * Which layers attend through a sliding window, as transformers 5 decides: Mistral slides on every layer when
 * sliding_window is set; Qwen2 only with use_sliding_window, on the layers from max_window_layers on; an explicit
 * layer_types list wins. Llama has no sliding layers (a window there would be ignored by transformers too).
 */
function readSliding(
  r: ConfigReader,
  family: LlamaFamily,
  nLayers: number,
): { window: number | null; sliding: boolean[] } {
  const types = r.get("layer_types");
  let listed: boolean[] | null = null;
  if (types != null) {
    if (!Array.isArray(types) || types.length !== nLayers)
      r.fail("layer_types", `must list one entry per layer (${nLayers}), got ${JSON.stringify(types)}`);
    const bad = types.find((t) => !LAYER_TYPES.includes(t as string));
    if (bad !== undefined)
      r.fail("layer_types", `has ${JSON.stringify(bad)}, not supported (supported: ${LAYER_TYPES.join(", ")})`);
    listed = types.map((t) => t === "sliding_attention");
  }
  let window: number | null = null,
    sliding: boolean[] = Array(nLayers).fill(false);
  if (family === "mistral") {
    window = r.get("sliding_window") == null ? null : r.int("sliding_window");
    sliding = listed ?? Array(nLayers).fill(true);
  } else if (family === "qwen2") {
    const use = r.bool("use_sliding_window", false);
    window = use && r.get("sliding_window") != null ? r.int("sliding_window") : null;
    const from = r.get("max_window_layers") ?? 28; // transformers' default
    if (!Number.isSafeInteger(from) || (from as number) < 0)
      r.fail("max_window_layers", `must be an integer >= 0, got ${JSON.stringify(from)}`);
    sliding = listed ?? Array.from({ length: nLayers }, (_, i) => i >= (from as number));
    r.ignore("sliding_window"); // unused without use_sliding_window, as in transformers
  } else if (listed?.some((x) => x)) {
    r.fail("layer_types", "has sliding_attention layers, which Llama does not have (use model_type mistral or qwen2)");
  }
  if (window === null && listed?.some((x) => x))
    r.fail(
      "layer_types",
      "has sliding_attention layers but there is no sliding window (set sliding_window, and use_sliding_window for Qwen2)",
    );
  return { window, sliding: window === null ? Array(nLayers).fill(false) : sliding };
}

/** Every tensor a Llama-family checkpoint holds, by its transformers name (LlamaForCausalLM's state dict). */
export function llamaTensors(c: LlamaConfig): TensorSpec[] {
  const out: TensorSpec[] = [];
  const add = (name: string, shape: number[]) => out.push({ name, shape, keys: [name] });
  const D = c.dModel,
    q = c.nHeads * c.headDim,
    kv = c.nKvHeads * c.headDim;
  add("model.embed_tokens.weight", [c.vocabSize, D]);
  for (let i = 0; i < c.nLayers; i++) {
    const p = `model.layers.${i}.`;
    add(p + "input_layernorm.weight", [D]);
    for (const [n, rows] of [
      ["q", q],
      ["k", kv],
      ["v", kv],
    ] as const) {
      add(`${p}self_attn.${n}_proj.weight`, [rows, D]);
      if (c.qkvBias) add(`${p}self_attn.${n}_proj.bias`, [rows]);
    }
    add(p + "self_attn.o_proj.weight", [D, q]);
    if (c.oBias) add(p + "self_attn.o_proj.bias", [D]);
    add(p + "post_attention_layernorm.weight", [D]);
    add(p + "mlp.gate_proj.weight", [c.dMlp, D]);
    add(p + "mlp.up_proj.weight", [c.dMlp, D]);
    add(p + "mlp.down_proj.weight", [D, c.dMlp]);
    if (c.mlpBias)
      for (const [n, rows] of [
        ["gate", c.dMlp],
        ["up", c.dMlp],
        ["down", D],
      ] as const)
        add(`${p}mlp.${n}_proj.bias`, [rows]);
  }
  add("model.norm.weight", [D]);
  if (!c.tieEmbeddings) add("lm_head.weight", [c.vocabSize, D]);
  out.push(...scalarHeadTensors(D));
  return out;
}

/** The scalar (reward) head a preference model adds on the final hidden state; absent from language models. */
function scalarHeadTensors(dModel: number): TensorSpec[] {
  return [
    { name: "score_head.weight", shape: [1, dModel], keys: ["score_head.weight"], optional: true },
    { name: "score_head.bias", shape: [1], keys: ["score_head.bias"], optional: true },
  ];
}
