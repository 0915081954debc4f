// GPT-2 (GPT2LMHeadModel) is our GPT with another GELU and another weight layout: its Conv1D stores
// projections as [in, out], transposed here to nn.Linear's [out, in] on load (and back on export). Keys come
// with or without the `transformer.` prefix; the `attn.bias` / `attn.masked_bias` buffers old files carry
// are causal-mask constants, not weights, and are ignored.
import { GptConfigSchema, type GptConfig } from "../config.ts";
import { GPT, gptTensorSpecs } from "../gpt.ts";
import { ConfigReader, BOOKKEEPING_KEYS } from "./config-reader.ts";
import type { Architecture, TensorSpec } from "./spec.ts";

const CONV1D = /^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

/** Whether a parameter of our GPT is a Conv1D weight in the GPT-2 layout. */
export function isConv1dWeight(name: string): boolean {
  return CONV1D.test(name);
}

export function parseGpt2Config(raw: Record<string, unknown>, file: string, warn?: (msg: string) => void): GptConfig {
  const r = new ConfigReader(raw, file);
  // Dropout, the sequence-summary head of GPT2DoubleHeads, and the attention upcast (a precision switch).
  r.ignore(
    ...BOOKKEEPING_KEYS,
    "embd_pdrop",
    "attn_pdrop",
    "resid_pdrop",
    "summary_type",
    "summary_use_proj",
    "summary_activation",
    "summary_proj_to_labels",
    "summary_first_dropout",
    "reorder_and_upcast_attn",
  );
  r.dtype();
  const d = r.int("n_embd"),
    nHeads = r.int("n_head");
  if (d % nHeads !== 0) r.fail("n_head", `(${nHeads}) must divide n_embd (${d})`);
  if (r.get("n_inner") != null && r.int("n_inner") !== 4 * d)
    r.fail("n_inner", `= ${raw.n_inner} is not supported (only 4 x n_embd = ${4 * d})`);
  const act = r.str("activation_function", "gelu_new");
  const activation =
    act === "gelu_new" || act === "gelu_pytorch_tanh"
      ? "gelu_new"
      : act === "gelu"
        ? "gelu"
        : r.fail("activation_function", `= "${act}" is not supported (supported: gelu_new, gelu_pytorch_tanh, gelu)`);
  r.only("scale_attn_weights", [true], "attention is always scaled by 1/sqrt(head dim)");
  r.only("scale_attn_by_inverse_layer_idx", [false], "not implemented");
  r.only("add_cross_attention", [false], "decoder-only models only");
  const contextLength = r.int("n_positions", r.get("n_ctx") as number | undefined);
  if (raw.n_ctx != null && r.int("n_ctx") !== contextLength)
    r.fail("n_ctx", `(${raw.n_ctx}) differs from n_positions (${contextLength})`);
  const config = GptConfigSchema.parse({
    vocabSize: r.int("vocab_size"),
    contextLength,
    dModel: d,
    nLayers: r.int("n_layer"),
    nHeads,
    tieEmbeddings: r.bool("tie_word_embeddings", true),
    activation,
    layerNormEps: r.positive("layer_norm_epsilon", 1e-5),
  });
  r.warnUnread(warn);
  return config;
}

export const gpt2: Architecture<GptConfig> = {
  name: "gpt2",
  hfClasses: ["GPT2LMHeadModel", "GPT2Model"],
  parseConfig: parseGpt2Config,
  tensors(config): TensorSpec[] {
    return gptTensorSpecs(config).map(({ name, shape }) => ({
      name,
      shape,
      keys: name === "lm_head.weight" ? [name] : [name, `transformer.${name}`],
      transposed: isConv1dWeight(name),
    }));
  },
  build: (config, weights, device) => new GPT(config, 0, weights, "gpt2", device),
};
