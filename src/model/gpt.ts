// A decoder-only GPT in one readable file (after nanoGPT): token + learned positions, pre-LayerNorm
// blocks with causal multi-head attention and a 4x GELU MLP, final LayerNorm, tied output head,
// optional scalar head. Named hook points after TransformerLens; shapes are noted at each site.
import { Tensor, attention, attentionQkv, cat, embedding, layerNorm, linear, manualSeed, randn, zeros, ones, keep, noGrad, arange } from "../torch/index.ts";
import type { GptConfig } from "./config.ts";
import { KVCache, countTensorParams, hookCaller, hookNamesFor, runWithCache, type CausalLM, type ForwardOptions, type ForwardResult, type RunWithCacheOptions } from "./causal-lm.ts";

export { KVCache, type HookFn, type ForwardOptions, type ForwardResult } from "./causal-lm.ts";

/** Every parameter of a GPT with its shape and initial standard deviation (0 = zeros, -1 = ones), in checkpoint order. */
export function gptTensorSpecs(config: GptConfig): { name: string; shape: number[]; std: number }[] {
  const d = config.dModel, std = 0.02, projStd = 0.02 / Math.sqrt(2 * config.nLayers);
  const out: { name: string; shape: number[]; std: number }[] = [];
  const add = (name: string, shape: number[], s: number) => out.push({ name, shape, std: s });
  add("wte.weight", [config.vocabSize, d], std);
  add("wpe.weight", [config.contextLength, d], std);
  for (let i = 0; i < config.nLayers; i++) {
    const p = `h.${i}.`;
    add(p + "ln_1.weight", [d], -1);
    add(p + "ln_1.bias", [d], 0);
    add(p + "attn.c_attn.weight", [3 * d, d], std);
    add(p + "attn.c_attn.bias", [3 * d], 0);
    add(p + "attn.c_proj.weight", [d, d], projStd);
    add(p + "attn.c_proj.bias", [d], 0);
    add(p + "ln_2.weight", [d], -1);
    add(p + "ln_2.bias", [d], 0);
    add(p + "mlp.c_fc.weight", [4 * d, d], std);
    add(p + "mlp.c_fc.bias", [4 * d], 0);
    add(p + "mlp.c_proj.weight", [d, 4 * d], projStd);
    add(p + "mlp.c_proj.bias", [d], 0);
  }
  add("ln_f.weight", [d], -1);
  add("ln_f.bias", [d], 0);
  if (!config.tieEmbeddings) add("lm_head.weight", [config.vocabSize, d], std);
  if (config.scalarHead) {
    add("score_head.weight", [1, d], 0);
    add("score_head.bias", [1], 0);
  }
  return out;
}

export class GPT implements CausalLM {
  readonly config: GptConfig;
  /** Parameters by Hugging Face-style name, in a fixed order (the checkpoint order). */
  readonly params = new Map<string, Tensor>();

  readonly arch = "gpt";
  /** True when some weights are stored in a 16-bit float type: the forward pass then widens them per use. */
  private readonly lowPrecision: boolean;

  /**
   * A randomly initialised GPT (seeded), or, with `weights`, one built on those tensors (names and shapes as
   * gptTensorSpecs says; float32, bfloat16 or float16), which it then owns.
   */
  constructor(config: GptConfig, seed = 0, weights?: Map<string, Tensor>) {
    this.config = config;
    if (config.dModel % config.nHeads !== 0) throw new Error(`dModel ${config.dModel} is not divisible by nHeads ${config.nHeads}`);
    const specs = gptTensorSpecs(config);
    if (weights) {
      for (const s of specs) {
        const t = weights.get(s.name);
        if (!t) throw new Error(`GPT weights: no tensor '${s.name}'`);
        if (t.shape.join() !== s.shape.join()) throw new Error(`GPT weights: '${s.name}' has shape [${t.shape}], the config needs [${s.shape}]`);
        this.add(s.name, t);
      }
      this.lowPrecision = specs.some((s) => this.p(s.name).dtype !== "float32");
      return;
    }
    this.lowPrecision = false;
    manualSeed(seed);
    const normal = (shape: number[], s: number) => noGrad(() => { const r = randn(shape); const out = r.mul(s); r.dispose(); return out; });
    for (const s of specs) this.add(s.name, s.std === 0 ? zeros(s.shape) : s.std === -1 ? ones(s.shape) : normal(s.shape, s.std));
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get contextLength(): number { return this.config.contextLength; }
  get nLayers(): number { return this.config.nLayers; }
  get dModel(): number { return this.config.dModel; }

  private add(name: string, t: Tensor): void {
    this.params.set(name, keep(t).requiresGrad_(true));
  }

  p(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`model has no parameter '${name}'`);
    return t;
  }

  /** A weight as the forward pass uses it: float32 (16-bit stored weights are widened per use). */
  private w(name: string): Tensor {
    const t = this.p(name);
    return this.lowPrecision && t.dtype !== "float32" ? t.to("float32") : t;
  }

  get numParams(): number {
    return countTensorParams(this.params);
  }

  /** Parameters split for weight decay: matrices decay, biases/LayerNorm/positions do not (as nanoGPT). */
  paramGroups(): { decay: Tensor[]; noDecay: Tensor[] } {
    const decay: Tensor[] = [], noDecay: Tensor[] = [];
    for (const [name, t] of this.params) (t.shape.length >= 2 && name !== "wpe.weight" ? decay : noDecay).push(t);
    return { decay, noDecay };
  }

  /** ids [B, T] int64 -> logits [B, T, V] (+ hidden, scalar). */
  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    const c = this.config;
    const [B, T] = ids.shape;
    const past = opts.cache?.length ?? 0;
    // With explicit positions (left-padded generation) the caller keeps every position below the
    // context; the padded rectangle itself may be longer.
    if (!opts.positions && past + T > c.contextLength) throw new Error(`sequence of ${past + T} tokens exceeds the context length ${c.contextLength}`);
    const hook = hookCaller(opts);
    const train = opts.train ?? false;
    const pos = opts.positions ?? arange(past, past + T).unsqueeze(0); // [1 or B, T]
    let x = this.embed("wte.weight", ids).add(this.embed("wpe.weight", pos)); // [B, T, D]
    x = hook("hook_embed", x.dropout(c.dropout, train));
    const H = c.nHeads, hd = c.dModel / H, D = c.dModel;
    const eps = c.layerNormEps ?? 1e-5, gelu = c.activation === "gelu_new" ? "tanh" : "none";
    for (let i = 0; i < c.nLayers; i++) {
      const p = `h.${i}.`;
      x = hook(`blocks.${i}.hook_resid_pre`, x);
      const a = layerNorm(x, [D], this.w(p + "ln_1.weight"), this.w(p + "ln_1.bias"), eps);
      const qkvFlat = linear(a, this.w(p + "attn.c_attn.weight"), this.w(p + "attn.c_attn.bias")); // [B, T, 3D]
      let y: Tensor; // [B, T, D], heads merged
      if (opts.cache) {
        const qkv = qkvFlat.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4); // [3, B, H, T, hd]
        const q = qkv.select(0, 0);
        let k = qkv.select(0, 1).contiguous(), v = qkv.select(0, 2).contiguous();
        const pk = opts.cache.k[i], pv = opts.cache.v[i];
        if (pk && pv) { k = catSeq(pk, k); v = catSeq(pv, v); pk.dispose(); pv.dispose(); }
        opts.cache.k[i] = keep(k); // [B, H, past + T, hd]
        opts.cache.v[i] = keep(v);
        y = attention(q, k, v, opts.keyMask ?? null, true).transpose(1, 2).reshape(B, T, D);
      } else {
        // Fused: no head split/merge copies, head-parallel forward and backward (native/src/attention.cc).
        y = attentionQkv(qkvFlat, H, opts.keyMask ?? null, true);
      }
      const attnOut = hook(`blocks.${i}.hook_attn_out`, linear(y, this.w(p + "attn.c_proj.weight"), this.w(p + "attn.c_proj.bias")).dropout(c.dropout, train));
      x = hook(`blocks.${i}.hook_resid_mid`, x.add(attnOut));
      const m = layerNorm(x, [D], this.w(p + "ln_2.weight"), this.w(p + "ln_2.bias"), eps);
      const hdn = linear(m, this.w(p + "mlp.c_fc.weight"), this.w(p + "mlp.c_fc.bias")).gelu(gelu); // [B, T, 4D]
      const mlpOut = hook(`blocks.${i}.hook_mlp_out`, linear(hdn, this.w(p + "mlp.c_proj.weight"), this.w(p + "mlp.c_proj.bias")).dropout(c.dropout, train));
      x = hook(`blocks.${i}.hook_resid_post`, x.add(mlpOut)); // [B, T, D]
    }
    const hidden = hook("ln_final.hook_normalized", layerNorm(x, [D], this.w("ln_f.weight"), this.w("ln_f.bias"), eps));
    const head = c.tieEmbeddings ? this.w("wte.weight") : this.w("lm_head.weight");
    const logits = linear(hidden, head); // [B, T, V]
    const scalar = c.scalarHead ? linear(hidden, this.w("score_head.weight"), this.w("score_head.bias")).squeeze(-1) : null;
    return { logits, hidden, scalar };
  }

  /** Embedding rows widened to float32 (a 16-bit table is never widened whole). */
  private embed(name: string, ids: Tensor): Tensor {
    const e = embedding(this.p(name), ids);
    return this.lowPrecision && e.dtype !== "float32" ? e.to("float32") : e;
  }

  /** Forward with a cache of the named activations (detached copies), like TransformerLens. */
  runWithCache(ids: Tensor, opts: RunWithCacheOptions = {}): { result: ForwardResult; cache: Map<string, Tensor> } {
    return runWithCache(this, ids, opts);
  }

  hookNames(): string[] {
    return hookNamesFor(this.config.nLayers);
  }

  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Concatenation along the sequence axis of [B, H, T, hd]. */
function catSeq(a: Tensor, b: Tensor): Tensor {
  return cat([a, b], 2);
}
