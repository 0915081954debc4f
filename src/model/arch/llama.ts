// The Llama family's decoder (Llama 2/3, Qwen2, Mistral): RMSNorm before attention and MLP, rotary
// positions, grouped-query attention, a SwiGLU MLP, final RMSNorm, tied or separate head. Hook points as
// our GPT's (blocks.{i}.hook_resid_pre ... ln_final.hook_normalized); shapes noted at each site.
import {
  Tensor,
  attention,
  attentionQkv,
  cat,
  deviceOrCpu,
  linear,
  keep,
  moveTo,
  tensor,
  type Device,
} from "../../torch/index.ts";
import { CausalLMBase, hookCaller, type ForwardOptions, type ForwardResult } from "../causal-lm.ts";
import { Rotary, applyRotary } from "./rope.ts";
import { llamaTensors, type LlamaConfig } from "./llama-config.ts";

export class LlamaLM extends CausalLMBase {
  private readonly rotary: Rotary;
  readonly device: Device;

  /** Built on `weights` (which it then owns), moved to `device` (without one: the CPU; an error in strict device mode). */
  constructor(
    readonly config: LlamaConfig,
    weights: Map<string, Tensor>,
    device?: Device,
  ) {
    super();
    this.device = device = deviceOrCpu("new LlamaLM", device);
    for (const s of llamaTensors(config)) {
      const t = weights.get(s.name);
      if (!t && s.optional) continue;
      if (!t) throw new Error(`${config.family} weights: no tensor '${s.name}'`);
      this.params.set(s.name, keep(moveTo(t, device)));
    }
    this.lowPrecision = [...this.params.values()].some((t) => t.dtype !== "float32");
    this.rotary = new Rotary(config.headDim, config.ropeTheta, config.ropeScaling, device);
  }

  get arch(): string {
    return this.config.family;
  }

  /** An optional weight (biases some checkpoints have), widened like w(). */
  private maybe(name: string): Tensor | null {
    return this.params.has(name) ? this.w(name) : null;
  }

  private rmsNorm(x: Tensor, weight: string): Tensor {
    const variance = x.pow(2).mean([-1], true); // [B, T, 1]
    return x.mul(variance.add(this.config.rmsEps).rsqrt()).mul(this.w(weight));
  }

  private proj(x: Tensor, name: string, train: boolean): Tensor {
    return this.linearLayer(x, name, this.maybe(name + ".bias"), train);
  }

  linearLayers(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.config.nLayers; i++) {
      for (const m of [
        "self_attn.q_proj",
        "self_attn.k_proj",
        "self_attn.v_proj",
        "self_attn.o_proj",
        "mlp.gate_proj",
        "mlp.up_proj",
        "mlp.down_proj",
      ])
        out.push(`model.layers.${i}.${m}`);
    }
    return out;
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    const c = this.config;
    const { B, T, past, pos } = this.sequence(ids, opts); // pos [1 or B, T]
    const hook = hookCaller(opts);
    const train = opts.train ?? false;
    const maxPos = opts.positions ? opts.positions.reshape(-1).amax([0]).item() : past + T - 1;
    const { cos, sin } = this.rotary.at(pos, maxPos); // [1 or B, 1, T, hd]
    const keyMask = opts.keyMask ?? null;
    const windowMask = this.attentionMask(keyMask, T, past + T); // on sliding layers
    const H = c.nHeads,
      Hkv = c.nKvHeads,
      hd = c.headDim;
    // Without a KV cache, and with at most a key mask (no sliding-window band), the fused attention kernel
    // (head-parallel, hand-written backward) runs on [B, T, q | k | v]; cos/sin then broadcast as [., T, 1, hd].
    const canFuse = !opts.cache && this.device === "cpu";
    const cosT = canFuse ? cos.transpose(1, 2) : null,
      sinT = canFuse ? sin.transpose(1, 2) : null;
    const x0 = this.embed("model.embed_tokens.weight", ids); // [B, T, D]
    let x = hook("hook_embed", x0);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `model.layers.${i}.`;
      const mask = c.slidingLayers && !c.slidingLayers[i] ? keyMask : windowMask;
      const fused = canFuse && mask === keyMask;
      x = hook(`blocks.${i}.hook_resid_pre`, x);
      const a = this.rmsNorm(x, p + "input_layernorm.weight");
      const qp = this.proj(a, p + "self_attn.q_proj", train),
        kp = this.proj(a, p + "self_attn.k_proj", train),
        vp = this.proj(a, p + "self_attn.v_proj", train);
      let y: Tensor; // [B, T, H * hd]
      if (fused) {
        // Rotary in the projections' own [B, T, heads, hd] layout, then the fused kernel on [B, T, q | k | v].
        const q = applyRotary(qp.view(B, T, H, hd), cosT!, sinT!).reshape(B, T, H * hd);
        const k = applyRotary(kp.view(B, T, Hkv, hd), cosT!, sinT!);
        y = attentionQkv(
          cat([q, repeatKvHeads(k, H / Hkv), repeatKvHeads(vp.view(B, T, Hkv, hd), H / Hkv)], 2),
          H,
          mask,
          true,
        );
      } else {
        const q = applyRotary(qp.view(B, T, H, hd).transpose(1, 2), cos, sin); // [B, H, T, hd]
        let k = applyRotary(kp.view(B, T, Hkv, hd).transpose(1, 2), cos, sin); // [B, Hkv, T, hd]
        let v = vp.view(B, T, Hkv, hd).transpose(1, 2).contiguous();
        if (opts.cache) {
          const pk = opts.cache.k[i],
            pv = opts.cache.v[i];
          if (pk && pv) {
            k = cat([pk, k], 2);
            v = cat([pv, v], 2);
            pk.dispose();
            pv.dispose();
          }
          opts.cache.k[i] = keep(k); // [B, Hkv, past + T, hd]
          opts.cache.v[i] = keep(v);
        }
        y = attention(q, repeatKv(k, H / Hkv), repeatKv(v, H / Hkv), mask, true)
          .transpose(1, 2)
          .reshape(B, T, H * hd);
      }
      const attnOut = hook(`blocks.${i}.hook_attn_out`, this.proj(y, p + "self_attn.o_proj", train)); // [B, T, D]
      x = hook(`blocks.${i}.hook_resid_mid`, x.add(attnOut));
      const m = this.rmsNorm(x, p + "post_attention_layernorm.weight");
      const gate = this.proj(m, p + "mlp.gate_proj", train); // [B, T, dMlp]
      const act = gate.mul(gate.sigmoid()).mul(this.proj(m, p + "mlp.up_proj", train)); // SiLU(gate) * up
      const mlpOut = hook(`blocks.${i}.hook_mlp_out`, this.proj(act, p + "mlp.down_proj", train));
      x = hook(`blocks.${i}.hook_resid_post`, x.add(mlpOut)); // [B, T, D]
    }
    const hidden = hook("ln_final.hook_normalized", this.rmsNorm(x, "model.norm.weight"));
    const logits = linear(hidden, this.w(c.tieEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight")); // [B, T, V]
    return { logits, hidden, scalar: this.scalarHead(hidden) };
  }

  /**
   * The additive mask beside the causal one on a sliding layer: the caller's key mask [B, 1, 1, Tk] and, once
   * the keys outrun the window, a [1, 1, T, Tk] band hiding keys window or more tokens behind each query.
   */
  private attentionMask(keyMask: Tensor | null, T: number, Tk: number): Tensor | null {
    const w = this.config.slidingWindow;
    if (w === null || Tk <= w) return keyMask;
    const band = new Float32Array(T * Tk);
    for (let t = 0; t < T; t++) {
      const q = Tk - T + t; // this query's index among the keys
      for (let j = 0; j <= q - w; j++) band[t * Tk + j] = -Infinity;
    }
    const m = tensor(band, [1, 1, T, Tk], undefined, this.device);
    return keyMask ? keyMask.add(m) : m;
  }

  override dispose(): void {
    super.dispose();
    this.rotary.dispose();
  }
}

/** The same on [B, T, Hkv, hd] -> [B, T, Hkv * rep * hd] (the fused kernel's q | k | v layout). */
function repeatKvHeads(x: Tensor, rep: number): Tensor {
  const [B, T, Hkv, hd] = x.shape;
  if (rep === 1) return x.reshape(B, T, Hkv * hd);
  return x
    .unsqueeze(3)
    .expand(B, T, Hkv, rep, hd)
    .reshape(B, T, Hkv * rep * hd);
}

/** Grouped-query attention: each of the Hkv key/value heads serves `rep` query heads. [B, Hkv, T, hd] -> [B, Hkv * rep, T, hd] */
function repeatKv(x: Tensor, rep: number): Tensor {
  if (rep === 1) return x;
  const [B, Hkv, T, hd] = x.shape;
  return x
    .unsqueeze(2)
    .expand(B, Hkv, rep, T, hd)
    .reshape(B, Hkv * rep, T, hd);
}
