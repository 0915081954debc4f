// A decoder-only GPT in one readable file (after nanoGPT): token + learned positions, pre-LayerNorm
// blocks with causal multi-head attention and a 4x GELU MLP, final LayerNorm, tied output head,
// optional scalar head. Named hook points after TransformerLens; shapes are noted at each site.
import {
  Tensor,
  attention,
  attentionQkv,
  cat,
  deviceOrCpu,
  layerNorm,
  linear,
  manualSeed,
  moveTo,
  randn,
  zeros,
  ones,
  keep,
  noGrad,
  type Device,
} from "../torch/index.ts";
import type { GptConfig } from "./config.ts";
import { CausalLMBase, hookCaller, type ForwardOptions, type ForwardResult } from "./causal-lm.ts";

export { KVCache, type HookFn, type ForwardOptions, type ForwardResult } from "./causal-lm.ts";

/** Every parameter of a GPT with its shape and initial standard deviation (0 = zeros, -1 = ones), in checkpoint order. */
export function gptTensorSpecs(config: GptConfig): { name: string; shape: number[]; std: number }[] {
  const d = config.dModel,
    std = 0.02,
    projStd = 0.02 / Math.sqrt(2 * config.nLayers);
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

/** Parameters by Hugging Face-style name, in a fixed order (the checkpoint order). */
export class GPT extends CausalLMBase {
  readonly config: GptConfig;
  readonly device: Device;

  /**
   * A randomly initialised GPT (seeded), or, with `weights`, one built on those tensors (names and shapes as
   * gptTensorSpecs says; float32, bfloat16 or float16), which it then owns. `arch` names the registry entry
   * it was loaded as ("gpt2" for a GPT-2 checkpoint). The parameters live on `device`; a random
   * initialisation is drawn on the CPU's seeded generator first, so every device starts from the same weights.
   * Without a device: the CPU (an error in strict device mode).
   */
  constructor(
    config: GptConfig,
    seed = 0,
    weights?: Map<string, Tensor>,
    readonly arch: string = "gpt",
    device?: Device,
  ) {
    super();
    this.config = config;
    this.device = deviceOrCpu("new GPT", device);
    if (config.dModel % config.nHeads !== 0)
      throw new Error(`dModel ${config.dModel} is not divisible by nHeads ${config.nHeads}`);
    const specs = gptTensorSpecs(config);
    if (weights) {
      for (const s of specs) {
        const t = weights.get(s.name);
        if (!t) throw new Error(`GPT weights: no tensor '${s.name}'`);
        if (t.shape.join() !== s.shape.join())
          throw new Error(`GPT weights: '${s.name}' has shape [${t.shape}], the config needs [${s.shape}]`);
        this.add(s.name, t);
      }
      this.lowPrecision = specs.some((s) => this.p(s.name).dtype !== "float32");
      return;
    }
    manualSeed(seed);
    const normal = (shape: number[], s: number) =>
      noGrad(() => {
        const r = randn(shape, "float32", "cpu");
        const out = r.mul(s);
        r.dispose();
        return out;
      });
    for (const s of specs)
      this.add(
        s.name,
        s.std === 0
          ? zeros(s.shape, "float32", "cpu")
          : s.std === -1
            ? ones(s.shape, "float32", "cpu")
            : normal(s.shape, s.std),
      );
  }

  private add(name: string, t: Tensor): void {
    this.params.set(name, keep(moveTo(t, this.device)).requiresGrad_(true));
  }

  /** Parameters split for weight decay: matrices decay, biases/LayerNorm/positions do not (as nanoGPT). */
  paramGroups(): { decay: Tensor[]; noDecay: Tensor[] } {
    const decay: Tensor[] = [],
      noDecay: Tensor[] = [];
    for (const [name, t] of this.params) (t.shape.length >= 2 && name !== "wpe.weight" ? decay : noDecay).push(t);
    return { decay, noDecay };
  }

  /** ids [B, T] int64 -> logits [B, T, V] (+ hidden, scalar). */
  linearLayers(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.config.nLayers; i++)
      for (const m of ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"]) out.push(`h.${i}.${m}`);
    return out;
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    const c = this.config;
    const { B, T, pos } = this.sequence(ids, opts); // pos [1 or B, T]
    const hook = hookCaller(opts);
    const train = opts.train ?? false;
    let x = this.embed("wte.weight", ids).add(this.embed("wpe.weight", pos)); // [B, T, D]
    x = hook("hook_embed", x.dropout(c.dropout, train));
    const H = c.nHeads,
      hd = c.dModel / H,
      D = c.dModel;
    const eps = c.layerNormEps ?? 1e-5,
      gelu = c.activation === "gelu_new" ? "tanh" : "none";
    for (let i = 0; i < c.nLayers; i++) {
      const p = `h.${i}.`;
      x = hook(`blocks.${i}.hook_resid_pre`, x);
      const a = layerNorm(x, [D], this.w(p + "ln_1.weight"), this.w(p + "ln_1.bias"), eps);
      const qkvFlat = this.linearLayer(a, p + "attn.c_attn", this.w(p + "attn.c_attn.bias"), train); // [B, T, 3D]
      let y: Tensor; // [B, T, D], heads merged
      if (opts.cache) {
        const qkv = qkvFlat.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4); // [3, B, H, T, hd]
        const q = qkv.select(0, 0);
        let k = qkv.select(0, 1).contiguous(),
          v = qkv.select(0, 2).contiguous();
        const pk = opts.cache.k[i],
          pv = opts.cache.v[i];
        if (pk && pv) {
          k = catSeq(pk, k);
          v = catSeq(pv, v);
          pk.dispose();
          pv.dispose();
        }
        opts.cache.k[i] = keep(k); // [B, H, past + T, hd]
        opts.cache.v[i] = keep(v);
        y = attention(q, k, v, opts.keyMask ?? null, true)
          .transpose(1, 2)
          .reshape(B, T, D);
      } else {
        // Fused: no head split/merge copies, head-parallel forward and backward (native/src/attention.cc).
        y = attentionQkv(qkvFlat, H, opts.keyMask ?? null, true);
      }
      const attnOut = hook(
        `blocks.${i}.hook_attn_out`,
        this.linearLayer(y, p + "attn.c_proj", this.w(p + "attn.c_proj.bias"), train).dropout(c.dropout, train),
      );
      x = hook(`blocks.${i}.hook_resid_mid`, x.add(attnOut));
      const m = layerNorm(x, [D], this.w(p + "ln_2.weight"), this.w(p + "ln_2.bias"), eps);
      const hdn = this.linearLayer(m, p + "mlp.c_fc", this.w(p + "mlp.c_fc.bias"), train).gelu(gelu); // [B, T, 4D]
      const mlpOut = hook(
        `blocks.${i}.hook_mlp_out`,
        this.linearLayer(hdn, p + "mlp.c_proj", this.w(p + "mlp.c_proj.bias"), train).dropout(c.dropout, train),
      );
      x = hook(`blocks.${i}.hook_resid_post`, x.add(mlpOut)); // [B, T, D]
    }
    const hidden = hook("ln_final.hook_normalized", layerNorm(x, [D], this.w("ln_f.weight"), this.w("ln_f.bias"), eps));
    const head = c.tieEmbeddings ? this.w("wte.weight") : this.w("lm_head.weight");
    const logits = linear(hidden, head); // [B, T, V]
    const scalar = c.scalarHead
      ? linear(hidden, this.w("score_head.weight"), this.w("score_head.bias")).squeeze(-1)
      : null;
    return { logits, hidden, scalar };
  }
}

/** Concatenation along the sequence axis of [B, H, T, hd]. */
function catSeq(a: Tensor, b: Tensor): Tensor {
  return cat([a, b], 2);
}
