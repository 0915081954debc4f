// config.json of the Llama family and GPT-2 in both layouts (transformers 4's top-level rope_theta /
// rope_scaling / torch_dtype, transformers 5's rope_parameters / dtype): the same config either way; every value
// we do not implement refused in one line naming the field; missing or inconsistent sizes refused likewise;
// unknown keys listed once as a warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseLlamaConfig, type LlamaFamily } from "../../../src/model/arch/llama-config.ts";
import { parseGpt2Config } from "../../../src/model/arch/gpt2.ts";
import { loadEngine } from "../../../src/serve/engine.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "hf-transformers5");
const tf5 = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(join(FIXTURES, name, "config.json"), "utf8"));
const family = (raw: Record<string, any>) => raw.model_type as LlamaFamily;

/** The same config as transformers 4 wrote it. */
function legacy(raw: Record<string, any>): Record<string, any> {
  const { rope_parameters: rp, dtype, layer_types: _types, ...rest } = raw;
  const { rope_theta, ...scaling } = rp;
  return { ...rest, torch_dtype: dtype, rope_theta, rope_scaling: scaling.rope_type === "default" ? null : scaling };
}

function refused(
  raw: Record<string, any>,
  want: RegExp,
  parse: (r: Record<string, any>) => unknown = (r) => parseLlamaConfig(family(r), r, "config.json"),
): void {
  let msg = "";
  try {
    parse(raw);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.ok(msg, `accepted: ${JSON.stringify(raw).slice(0, 200)}`);
  assert.ok(!msg.includes("\n"), `one line: ${msg}`);
  assert.match(msg, want);
}

test("transformers 5's config.json and the older layout of the same model read to the same config", () => {
  for (const name of ["tf5-llama", "tf5-qwen2", "tf5-mistral"]) {
    const raw = tf5(name),
      warnings: string[] = [];
    const now = parseLlamaConfig(family(raw), raw, "config.json", (m) => warnings.push(m));
    assert.deepEqual(
      parseLlamaConfig(family(raw), legacy(raw), "config.json", (m) => warnings.push(m)),
      now,
      name,
    );
    assert.deepEqual(warnings, [], name);
  }
  const llama = parseLlamaConfig("llama", tf5("tf5-llama"), "config.json");
  assert.equal(llama.ropeTheta, 500000);
  assert.deepEqual(llama.ropeScaling, {
    type: "llama3",
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalContext: 32,
  });
  assert.equal(llama.headDim, 16);
  assert.equal(parseLlamaConfig("qwen2", tf5("tf5-qwen2"), "config.json").ropeTheta, 1e6);
  const mistral = parseLlamaConfig("mistral", tf5("tf5-mistral"), "config.json");
  assert.equal(mistral.slidingWindow, 64);
  assert.equal(mistral.slidingLayers, undefined, "every layer slides");
  const gpt2 = tf5("tf5-gpt2"),
    { dtype, ...old } = gpt2;
  assert.deepEqual(
    parseGpt2Config(gpt2, "config.json", assert.fail),
    parseGpt2Config({ ...old, torch_dtype: dtype }, "config.json", assert.fail),
  );
});

test("sliding layers: Qwen2 from max_window_layers with use_sliding_window, or as layer_types lists them", () => {
  const qwen = tf5("tf5-qwen2");
  const off = parseLlamaConfig("qwen2", { ...qwen, sliding_window: 4 }, "c");
  assert.equal(off.slidingWindow, null, "no window without use_sliding_window");
  const { layer_types: _t, ...noTypes } = qwen;
  const from1 = parseLlamaConfig(
    "qwen2",
    { ...noTypes, use_sliding_window: true, sliding_window: 4, max_window_layers: 1 },
    "c",
  );
  assert.equal(from1.slidingWindow, 4);
  assert.deepEqual(from1.slidingLayers, [false, true]);
  const listed = parseLlamaConfig(
    "qwen2",
    { ...qwen, use_sliding_window: true, sliding_window: 4, layer_types: ["sliding_attention", "full_attention"] },
    "c",
  );
  assert.deepEqual(listed.slidingLayers, [true, false]);
  const mistral = parseLlamaConfig(
    "mistral",
    { ...tf5("tf5-mistral"), layer_types: ["full_attention", "sliding_attention"] },
    "c",
  );
  assert.deepEqual(mistral.slidingLayers, [false, true]);
});

test("every value we do not implement is refused in one line naming the field", () => {
  const llama = tf5("tf5-llama"),
    qwen = tf5("tf5-qwen2"),
    rp = llama.rope_parameters;
  const cases: [Record<string, any>, RegExp][] = [
    [
      { ...llama, rope_parameters: { ...rp, rope_type: "longrope" } },
      /'rope_parameters' rope type "longrope" is not supported \(supported: default, linear, dynamic, yarn, llama3\)/,
    ],
    [{ ...legacy(llama), rope_scaling: { type: "su", factor: 2 } }, /'rope_scaling' rope type "su" is not supported/],
    [
      { ...llama, rope_parameters: { rope_theta: 1e4, rope_type: "default", factor: 2 } },
      /'rope_parameters' has factor = 2, not used by rope type "default"/,
    ],
    [
      { ...llama, rope_parameters: { ...rp, mrope_section: [2, 2] } },
      /'rope_parameters' has mrope_section = \[2,2\], not used by rope type "llama3"/,
    ],
    [
      { ...llama, rope_parameters: { ...rp, partial_rotary_factor: 0.5 } },
      /'partial_rotary_factor' = 0.5 is not supported/,
    ],
    [{ ...llama, partial_rotary_factor: 0.5 }, /config\.json: 'partial_rotary_factor' = 0.5 is not supported/],
    [
      { ...llama, rope_parameters: { full_attention: rp, sliding_attention: rp } },
      /'rope_parameters' per layer type .* is not supported/,
    ],
    [
      { ...llama, rope_scaling: { rope_type: "linear", factor: 2 } },
      /'rope_scaling' and 'rope_parameters' are both given/,
    ],
    [{ ...llama, rope_theta: 10000 }, /'rope_theta' = 10000 disagrees with rope_parameters\.rope_theta = 500000/],
    [{ ...llama, rope_parameters: { ...rp, factor: 0.5 } }, /'factor' must be >= 1/],
    [
      { ...llama, rope_parameters: { ...rp, high_freq_factor: 1 } },
      /'high_freq_factor' \(1\) must exceed low_freq_factor \(1\)/,
    ],
    [
      { ...llama, rope_parameters: { ...rp, original_max_position_embeddings: undefined } },
      /'original_max_position_embeddings' is missing/,
    ],
    [
      { ...llama, rope_parameters: { rope_theta: 1e4, rope_type: "yarn", factor: 4, beta_fast: 1, beta_slow: 2 } },
      /'beta_slow' \(2\) must be below beta_fast \(1\)/,
    ],
    [{ ...llama, hidden_act: "gelu" }, /'hidden_act' = "gelu" is not supported/],
    [
      { ...qwen, layer_types: ["full_attention", "chunked_attention"] },
      /'layer_types' has "chunked_attention", not supported/,
    ],
    [{ ...qwen, layer_types: ["full_attention"] }, /'layer_types' must list one entry per layer \(2\)/],
    [
      { ...qwen, layer_types: ["sliding_attention", "full_attention"] },
      /'layer_types' has sliding_attention layers but there is no sliding window/,
    ],
    [
      { ...llama, layer_types: ["sliding_attention", "full_attention"] },
      /'layer_types' has sliding_attention layers, which Llama does not have/,
    ],
  ];
  for (const [raw, want] of cases) refused(raw, want);
  const gpt2 = tf5("tf5-gpt2"),
    g = (r: Record<string, any>) => parseGpt2Config(r, "config.json");
  refused(
    { ...gpt2, scale_attn_by_inverse_layer_idx: true },
    /'scale_attn_by_inverse_layer_idx' = true is not supported/,
    g,
  );
  refused({ ...gpt2, n_inner: 100 }, /'n_inner' = 100 is not supported/, g);
  refused({ ...gpt2, activation_function: "relu" }, /'activation_function' = "relu" is not supported/, g);
  refused({ ...gpt2, add_cross_attention: true }, /'add_cross_attention' = true is not supported/, g);
});

test("missing or inconsistent sizes: one line naming the field", () => {
  const llama = tf5("tf5-llama"),
    gpt2 = tf5("tf5-gpt2");
  const without = (raw: Record<string, any>, key: string) => {
    const { [key]: _, ...rest } = raw;
    return rest;
  };
  for (const key of [
    "hidden_size",
    "num_attention_heads",
    "num_hidden_layers",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
  ])
    refused(without(llama, key), new RegExp(`'${key}' is missing`));
  refused(
    { ...without(llama, "head_dim"), num_attention_heads: 5, num_key_value_heads: 5 },
    /'num_attention_heads' \(5\) must divide hidden_size \(64\) when head_dim is not given/,
  );
  refused({ ...llama, num_key_value_heads: 3 }, /'num_key_value_heads' \(3\) must divide num_attention_heads \(4\)/);
  refused({ ...llama, head_dim: 15 }, /'head_dim' must be even/);
  refused({ ...llama, num_attention_heads: 0 }, /'num_attention_heads' must be a positive integer, got 0/);
  refused({ ...llama, rms_norm_eps: -1 }, /'rms_norm_eps' must be > 0/);
  refused({ ...llama, rope_parameters: { ...llama.rope_parameters, rope_theta: 0 } }, /'rope_theta' must be > 0/);
  refused({ ...tf5("tf5-mistral"), sliding_window: 0 }, /'sliding_window' must be a positive integer/);
  refused({ ...llama, dtype: 16 }, /'dtype' must be a string/);
  const g = (r: Record<string, any>) => parseGpt2Config(r, "config.json");
  for (const key of ["n_embd", "n_head", "n_layer", "vocab_size"])
    refused(without(gpt2, key), new RegExp(`'${key}' is missing`), g);
  refused({ ...gpt2, n_head: 5 }, /'n_head' \(5\) must divide n_embd \(64\)/, g);
  refused({ ...gpt2, n_ctx: 32 }, /'n_ctx' \(32\) differs from n_positions \(64\)/, g);
});

test("unknown fields are listed once as a warning; the model still loads", () => {
  const warnings: string[] = [];
  parseLlamaConfig("llama", { ...tf5("tf5-llama"), qk_layernorm: true, logit_softcap: 30 }, "config.json", (m) =>
    warnings.push(m),
  );
  assert.deepEqual(warnings, [
    "config.json: warning: ignored unknown fields qk_layernorm, logit_softcap (if one changes the arithmetic, this model is computed without it)",
  ]);
});

test("a config.json with a bad value: nothing is served from it", () => {
  const root = mkdtempSync(join(tmpdir(), "bad-config-"));
  try {
    const dir = join(root, "m");
    cpSync(join(FIXTURES, "tf5-mistral"), dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...tf5("tf5-mistral"), num_key_value_heads: 3 }));
    assert.throws(
      () => loadEngine(dir),
      (e: Error) =>
        !e.message.includes("\n") &&
        /config\.json: 'num_key_value_heads' \(3\) must divide num_attention_heads \(4\)/.test(e.message),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
