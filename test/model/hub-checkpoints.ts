// Test helper (not a test file): tiny random checkpoints of every architecture, written exactly in the
// Hugging Face hub's layout (config.json, model.safetensors or shards + model.safetensors.index.json,
// generation_config.json), in F32, BF16 or F16, tied or untied, GPT-2 keys with or without `transformer.`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/util/rng.ts";
import { serialize, type StTensor } from "../../src/torch/safetensors.ts";
import { f32ToBf16, f32ToF16 } from "../../src/torch/half.ts";

export type HubArch = "gpt2" | "llama" | "qwen2" | "mistral";

export interface HubOptions {
  seed?: number;
  dtype?: "F32" | "BF16" | "F16";
  /** Split the tensors over this many shards with an index (1 = one model.safetensors). */
  shards?: number;
  tied?: boolean;
  /** GPT-2 only: keys as GPT2LMHeadModel saves them (`transformer.h.0...`) rather than as the hub's gpt2. */
  prefix?: boolean;
  /** Extra or overridden config.json keys. */
  config?: Record<string, unknown>;
}

/** A small config.json of each architecture (GQA, biases, llama3 rope scaling, a short sliding window). */
export function hubConfig(arch: HubArch, opts: HubOptions): Record<string, unknown> {
  const tied = opts.tied ?? (arch === "gpt2" || arch === "qwen2");
  if (arch === "gpt2")
    return {
      model_type: "gpt2",
      architectures: ["GPT2LMHeadModel"],
      vocab_size: 61,
      n_positions: 40,
      n_embd: 24,
      n_layer: 2,
      n_head: 3,
      n_inner: null,
      activation_function: "gelu_new",
      layer_norm_epsilon: 1e-5,
      tie_word_embeddings: tied,
      bos_token_id: 60,
      eos_token_id: 60,
      ...opts.config,
    };
  const base = {
    vocab_size: 67,
    hidden_size: 32,
    intermediate_size: 56,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-5,
    hidden_act: "silu",
    tie_word_embeddings: tied,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  if (arch === "llama")
    return {
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      ...base,
      rope_theta: 100,
      rope_scaling: {
        rope_type: "llama3",
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 64,
      },
      ...opts.config,
    };
  if (arch === "qwen2")
    return {
      model_type: "qwen2",
      architectures: ["Qwen2ForCausalLM"],
      ...base,
      rope_theta: 1000,
      use_sliding_window: false,
      ...opts.config,
    };
  return {
    model_type: "mistral",
    architectures: ["MistralForCausalLM"],
    ...base,
    num_key_value_heads: 1,
    rope_theta: 10000,
    sliding_window: 6,
    ...opts.config,
  };
}

/** Every tensor of the architecture in the file's own layout and names ([in, out] for GPT-2's Conv1D). */
function hubShapes(
  arch: HubArch,
  c: Record<string, any>,
  prefix: boolean,
): [string, number[], "w" | "b" | "norm" | "mask"][] {
  const out: [string, number[], "w" | "b" | "norm" | "mask"][] = [];
  if (arch === "gpt2") {
    const d = c.n_embd,
      p = prefix ? "transformer." : "";
    out.push([p + "wte.weight", [c.vocab_size, d], "w"], [p + "wpe.weight", [c.n_positions, d], "w"]);
    for (let i = 0; i < c.n_layer; i++) {
      const h = `${p}h.${i}.`;
      out.push(
        [h + "ln_1.weight", [d], "norm"],
        [h + "ln_1.bias", [d], "b"],
        [h + "attn.c_attn.weight", [d, 3 * d], "w"],
        [h + "attn.c_attn.bias", [3 * d], "b"],
      );
      out.push(
        [h + "attn.c_proj.weight", [d, d], "w"],
        [h + "attn.c_proj.bias", [d], "b"],
        [h + "ln_2.weight", [d], "norm"],
        [h + "ln_2.bias", [d], "b"],
      );
      out.push(
        [h + "mlp.c_fc.weight", [d, 4 * d], "w"],
        [h + "mlp.c_fc.bias", [4 * d], "b"],
        [h + "mlp.c_proj.weight", [4 * d, d], "w"],
        [h + "mlp.c_proj.bias", [d], "b"],
      );
      out.push([h + "attn.bias", [1, 1, c.n_positions, c.n_positions], "mask"]); // the causal-mask buffer old files carry
    }
    out.push([p + "ln_f.weight", [d], "norm"], [p + "ln_f.bias", [d], "b"]);
    if (!c.tie_word_embeddings) out.push(["lm_head.weight", [c.vocab_size, d], "w"]);
    return out;
  }
  const D = c.hidden_size,
    hd = D / c.num_attention_heads,
    q = c.num_attention_heads * hd,
    kv = c.num_key_value_heads * hd,
    F = c.intermediate_size;
  out.push(["model.embed_tokens.weight", [c.vocab_size, D], "w"]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    out.push(
      [p + "input_layernorm.weight", [D], "norm"],
      [p + "self_attn.q_proj.weight", [q, D], "w"],
      [p + "self_attn.k_proj.weight", [kv, D], "w"],
      [p + "self_attn.v_proj.weight", [kv, D], "w"],
    );
    if (arch === "qwen2")
      out.push(
        [p + "self_attn.q_proj.bias", [q], "b"],
        [p + "self_attn.k_proj.bias", [kv], "b"],
        [p + "self_attn.v_proj.bias", [kv], "b"],
      );
    out.push([p + "self_attn.o_proj.weight", [D, q], "w"], [p + "post_attention_layernorm.weight", [D], "norm"]);
    out.push(
      [p + "mlp.gate_proj.weight", [F, D], "w"],
      [p + "mlp.up_proj.weight", [F, D], "w"],
      [p + "mlp.down_proj.weight", [D, F], "w"],
    );
  }
  out.push(["model.norm.weight", [D], "norm"]);
  if (!c.tie_word_embeddings) out.push(["lm_head.weight", [c.vocab_size, D], "w"]);
  return out;
}

/** Write a random checkpoint of `arch` into `dir` (created); returns its config.json. */
export function writeHubCheckpoint(dir: string, arch: HubArch, opts: HubOptions = {}): Record<string, unknown> {
  const config = hubConfig(arch, opts);
  const rng = Rng.derive(opts.seed ?? 1, `hub-checkpoint/${arch}`);
  const dtype = opts.dtype ?? "F32";
  const tensors: Record<string, StTensor> = {};
  for (const [name, shape, kind] of hubShapes(arch, config, opts.prefix ?? false)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = 2 * rng.float() - 1;
      vals[i] = kind === "norm" ? 1 + 0.2 * u : kind === "b" ? 0.1 * u : kind === "mask" ? 1 : 0.35 * u;
    }
    if (kind === "mask" && n > 0)
      for (let r = 0; r < shape[2]; r++) for (let col = r + 1; col < shape[3]; col++) vals[r * shape[3] + col] = 0;
    const half = kind === "mask" ? null : dtype === "BF16" ? f32ToBf16(vals) : dtype === "F16" ? f32ToF16(vals) : null;
    tensors[name] = { dtype: half ? dtype : "F32", shape, data: new Uint8Array(half ? half.buffer : vals.buffer) };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  writeFileSync(
    join(dir, "generation_config.json"),
    JSON.stringify({ bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id }),
  );
  writeShards(dir, tensors, opts.shards ?? 1);
  return config;
}

/** model.safetensors, or N shards named as transformers names them plus the index. */
export function writeShards(dir: string, tensors: Record<string, StTensor>, shards: number): void {
  if (shards <= 1) {
    writeFileSync(join(dir, "model.safetensors"), serialize(tensors, { format: "pt" }));
    return;
  }
  const names = Object.keys(tensors);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part: Record<string, StTensor> = {};
    names
      .filter((_, i) => i % shards === s)
      .forEach((n) => {
        part[n] = tensors[n];
        weightMap[n] = file;
        total += tensors[n].data.byteLength;
      });
    writeFileSync(join(dir, file), serialize(part, { format: "pt" }));
  }
  writeFileSync(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
}

/** GPT-2's byte -> printable character map (the byte-level alphabet of tokenizer.json). */
function byteAlphabet(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(keep(b) ? b : 256 + extra++));
  return out;
}

/**
 * A byte-level BPE tokenizer.json in the hub's format (token id = byte value, then `<s>` = 256 and `</s>` = 257,
 * a few merges) whose post-processor adds `<s>` as BOS, Llama-style, plus tokenizer_config.json with a chat
 * template. Pair it with a checkpoint whose vocab_size is at least 258 (and merges add ids from 258 on).
 */
export function writeHubTokenizer(
  dir: string,
  merges: [string, string][] = [
    ["h", "e"],
    ["l", "l"],
    ["he", "ll"],
    ["Ġ", "t"],
  ],
): number {
  const alphabet = byteAlphabet();
  const vocab: Record<string, number> = {};
  alphabet.forEach((c, b) => (vocab[c] = b));
  vocab["<s>"] = 256;
  vocab["</s>"] = 257;
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(256, "<s>"), special(257, "</s>")],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [256], tokens: ["<s>"] } },
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(json));
  const template =
    "{% for m in messages %}{{ '<s>' + m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({ bos_token: "<s>", eos_token: "</s>", add_bos_token: true, chat_template: template }),
  );
  return Object.keys(vocab).length;
}
