// Mistral's sliding window on a hand-built attention: zero queries make every score equal, so each position's
// attention output is the plain mean of the values it may see; values are the tokens' one-hot embeddings, and
// the mean says exactly which keys the window kept. Full forward, KV-cached decoding, and per-layer switching.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KVCache, runWithCache } from "../../../src/model/causal-lm.ts";
import { LlamaLM } from "../../../src/model/arch/llama.ts";
import type { LlamaConfig } from "../../../src/model/arch/llama-config.ts";
import { longTensor, tensor, tidy, type Tensor } from "../../../src/torch/index.ts";

const V = 4,
  D = 4;
const TOKENS = [0, 1, 2, 3, 0, 1];

function model(slidingLayers?: boolean[]): LlamaLM {
  const config: LlamaConfig = {
    family: "mistral",
    vocabSize: V,
    dModel: D,
    nLayers: 1,
    nHeads: 1,
    nKvHeads: 1,
    headDim: D,
    dMlp: 2,
    contextLength: 16,
    rmsEps: 1e-9,
    ropeTheta: 10000,
    ropeScaling: null,
    tieEmbeddings: true,
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    slidingWindow: 3,
    ...(slidingLayers ? { slidingLayers } : {}),
  };
  const eye = (s: number) => Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? s : 0));
  const w = new Map<string, Tensor>();
  const set = (name: string, data: number[], shape: number[]) => w.set(name, tensor(data, shape));
  set("model.embed_tokens.weight", eye(2), [V, D]); // token j -> 2 e_j, which RMSNorm leaves as it is
  const p = "model.layers.0.";
  set(p + "input_layernorm.weight", [1, 1, 1, 1], [D]);
  set(p + "self_attn.q_proj.weight", Array(D * D).fill(0), [D, D]); // all scores 0: uniform over the visible keys
  set(p + "self_attn.k_proj.weight", eye(1), [D, D]);
  set(p + "self_attn.v_proj.weight", eye(1), [D, D]);
  set(p + "self_attn.o_proj.weight", eye(1), [D, D]);
  set(p + "post_attention_layernorm.weight", [1, 1, 1, 1], [D]);
  for (const n of ["gate", "up"]) set(`${p}mlp.${n}_proj.weight`, Array(2 * D).fill(0), [2, D]);
  set(p + "mlp.down_proj.weight", Array(2 * D).fill(0), [D, 2]);
  set("model.norm.weight", [1, 1, 1, 1], [D]);
  return new LlamaLM(config, w);
}

// Window 3: position t sees the tokens at t-2..t. By hand, the mean of 2 e_token over them:
const WINDOWED = [
  [2, 0, 0, 0], // t0: 0
  [1, 1, 0, 0], // t1: 0 1
  [2 / 3, 2 / 3, 2 / 3, 0], // t2: 0 1 2
  [0, 2 / 3, 2 / 3, 2 / 3], // t3: 1 2 3 (the 0 at position 0 is out)
  [2 / 3, 0, 2 / 3, 2 / 3], // t4: 2 3 0
  [2 / 3, 2 / 3, 0, 2 / 3], // t5: 3 0 1
];
const FULL_LAST = [2 / 3, 2 / 3, 1 / 3, 1 / 3]; // t5 seeing all six: tokens 0 and 1 twice, 2 and 3 once

function attnOut(m: LlamaLM, ids: number[], opts: { cache?: KVCache } = {}): number[][] {
  return tidy(() => {
    const { cache } = runWithCache(m, longTensor(ids, [1, ids.length]), {
      ...opts,
      namesFilter: ["blocks.0.hook_attn_out"],
    });
    const flat = Array.from(cache.get("blocks.0.hook_attn_out")!.dataSync() as Float32Array);
    return Array.from({ length: ids.length }, (_, t) => flat.slice(t * D, t * D + D));
  });
}

function near(got: number[][], want: number[][], what: string): void {
  got.forEach((row, t) =>
    row.forEach((x, j) => assert.ok(Math.abs(x - want[t][j]) < 1e-5, `${what} t${t}[${j}]: ${x} vs ${want[t][j]}`)),
  );
}

test("a prompt longer than the window: each position averages only the last 3 tokens (computed by hand)", () => {
  const m = model();
  try {
    near(attnOut(m, TOKENS), WINDOWED, "full forward");
    // KV-cached: 4 tokens, then 2 more against the cached keys; the band still hides what lies 3 or more behind.
    const cache = new KVCache(1);
    near(attnOut(m, TOKENS.slice(0, 4), { cache }), WINDOWED.slice(0, 4), "cached prefix");
    near(attnOut(m, TOKENS.slice(4), { cache }), WINDOWED.slice(4), "cached continuation");
    for (const t of [...cache.k, ...cache.v]) t?.dispose();
  } finally {
    m.dispose();
  }
});

test("a layer that layer_types marks full_attention sees every earlier token", () => {
  const m = model([false]);
  try {
    near(attnOut(m, TOKENS).slice(5), [FULL_LAST], "full attention");
  } finally {
    m.dispose();
  }
});
