// The one contract every architecture implements (our GPT, GPT-2, Llama, Qwen2, Mistral): a forward pass
// with TransformerLens-style hook points and an activation cache, a key/value cache, explicit positions and
// an additive key mask, parameters by name. Generation, probes and serving only speak to this interface.
import { type Tensor, type Device, arange, embedding, keep, linear } from "../torch/index.ts";

/** Called at a hook point with the activation; return a tensor to replace it (steering), or nothing. */
export type HookFn = (act: Tensor, name: string) => Tensor | void;

export interface ForwardOptions {
  /** Hook functions by name, e.g. { "blocks.1.hook_resid_post": fn }. */
  hooks?: Record<string, HookFn>;
  /** Key/value cache for incremental decoding; updated in place. */
  cache?: KVCache;
  /** Position ids [B, T] (int64); default 0..T-1 offset by the cache length. */
  positions?: Tensor;
  /** Additive key mask [B, 1, 1, Tk]: 0 for real tokens, -inf (or a large negative) for padding. */
  keyMask?: Tensor;
  train?: boolean;
}

export interface ForwardResult {
  /** [B, T, V] */
  logits: Tensor | null;
  /** [B, T, D] final hidden state after the final norm */
  hidden: Tensor;
  /** [B, T] scalar-head output when the model has one */
  scalar: Tensor | null;
}

/**
 * Something added to a linear layer's output (a LoRA adapter): `forward(x, train)` has the layer's
 * output shape; `train` is the forward pass's own flag (ForwardOptions.train), so adapter dropout acts
 * exactly when the model's dropout does.
 */
export interface LinearAdapter {
  forward(x: Tensor, train: boolean): Tensor;
}

export type CacheFilter = (name: string) => boolean;
export type RunWithCacheOptions = ForwardOptions & { namesFilter?: CacheFilter | string[] };

export interface CausalLM {
  /** Architecture name in the registry: "gpt", "gpt2", "llama", "qwen2", "mistral". */
  readonly arch: string;
  readonly vocabSize: number;
  /** Longest sequence (positions) the model accepts. */
  readonly contextLength: number;
  readonly nLayers: number;
  /** Width of the residual stream (what hooks and probes see). */
  readonly dModel: number;
  /** Where the parameters live; inputs go there too (generation and the trainer make them with this device). */
  readonly device: Device;
  /** Parameters by name (the checkpoint's names), in a fixed order. */
  readonly params: Map<string, Tensor>;
  /** Parameter count from the tensors themselves (a tied head counted once). */
  readonly numParams: number;
  /** ids [B, T] int64 -> logits [B, T, V] (+ hidden, scalar). */
  forward(ids: Tensor, opts?: ForwardOptions): ForwardResult;
  runWithCache(ids: Tensor, opts?: RunWithCacheOptions): { result: ForwardResult; cache: Map<string, Tensor> };
  hookNames(): string[];
  /** The linear layers (their names without `.weight`, in our parameter naming) that adapters can attach to. */
  linearLayers(): string[];
  /** Adapters attached to linear layers, by layer name; empty unless one is attached (LoRA). */
  readonly adapters: Map<string, LinearAdapter>;
  parameters(): Tensor[];
  dispose(): void;
}

const BLOCK_HOOKS = ["hook_resid_pre", "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post"] as const;

/** The hook names of an n-layer model, in the order the forward pass reaches them. */
function hookNamesFor(nLayers: number): string[] {
  const names = ["hook_embed"];
  for (let i = 0; i < nLayers; i++) for (const s of BLOCK_HOOKS) names.push(`blocks.${i}.${s}`);
  names.push("ln_final.hook_normalized");
  return names;
}

/** The function a forward pass calls at each hook point. */
export function hookCaller(opts: ForwardOptions): (name: string, x: Tensor) => Tensor {
  return (name, x) => {
    const fn = opts.hooks?.[name];
    if (!fn) return x;
    return fn(x, name) ?? x;
  };
}

/** Forward with a cache of the named activations (detached copies), like TransformerLens. */
export function runWithCache(
  model: CausalLM,
  ids: Tensor,
  opts: RunWithCacheOptions = {},
): { result: ForwardResult; cache: Map<string, Tensor> } {
  const cache = new Map<string, Tensor>();
  const filter = opts.namesFilter;
  const wanted = (n: string) => (!filter ? true : Array.isArray(filter) ? filter.includes(n) : filter(n));
  const hooks: Record<string, HookFn> = { ...opts.hooks };
  for (const name of model.hookNames()) {
    if (!wanted(name)) continue;
    const inner = hooks[name];
    hooks[name] = (act, n) => {
      const out = inner ? (inner(act, n) ?? act) : act;
      cache.set(n, out.detach());
      return out;
    };
  }
  const result = model.forward(ids, { ...opts, hooks });
  return { result, cache };
}

/** Parameter count from the tensors (each tensor once, whatever shares it). */
function countTensorParams(params: Map<string, Tensor>): number {
  let n = 0;
  for (const t of new Set(params.values())) n += t.numel;
  return n;
}

/**
 * What every architecture shares: parameters by name (possibly 16-bit, widened to float32 per use), the
 * activation cache over forward(), hook names, disposal. Subclasses write the forward pass.
 */
export abstract class CausalLMBase implements CausalLM {
  readonly params = new Map<string, Tensor>();
  readonly adapters = new Map<string, LinearAdapter>();
  /** True when some weights are stored in a 16-bit float type: the forward pass then widens them per use. */
  protected lowPrecision = false;
  abstract readonly arch: string;
  /** The shape the architecture's config gives (its config object has these four fields). */
  abstract readonly config: { vocabSize: number; contextLength: number; nLayers: number; dModel: number };
  abstract readonly device: Device;

  get vocabSize(): number {
    return this.config.vocabSize;
  }
  get contextLength(): number {
    return this.config.contextLength;
  }
  get nLayers(): number {
    return this.config.nLayers;
  }
  get dModel(): number {
    return this.config.dModel;
  }
  abstract forward(ids: Tensor, opts?: ForwardOptions): ForwardResult;

  p(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`model has no parameter '${name}'`);
    return t;
  }

  /** A weight as the forward pass uses it: float32 (16-bit stored weights are widened per use). */
  protected w(name: string): Tensor {
    const t = this.p(name);
    return this.lowPrecision && t.dtype !== "float32" ? t.to("float32") : t;
  }

  /** x W^T + b for the linear layer `name` (parameter `name.weight`), plus its adapter's output when one is attached. */
  protected linearLayer(x: Tensor, name: string, bias: Tensor | null, train: boolean): Tensor {
    const y = linear(x, this.w(name + ".weight"), bias);
    const a = this.adapters.get(name);
    return a ? y.add(a.forward(x, train)) : y;
  }

  abstract linearLayers(): string[];

  /** The scalar (reward) head's output [B, T] when the model has `score_head.*` parameters, else null. */
  protected scalarHead(hidden: Tensor): Tensor | null {
    if (!this.params.has("score_head.weight")) return null;
    return linear(hidden, this.w("score_head.weight"), this.w("score_head.bias")).squeeze(-1);
  }

  /** Embedding rows widened to float32 (a 16-bit table is never widened whole). */
  protected embed(name: string, ids: Tensor): Tensor {
    const e = embedding(this.p(name), ids);
    return this.lowPrecision && e.dtype !== "float32" ? e.to("float32") : e;
  }

  /**
   * Batch size, length, cached length and position ids [1 or B, T] of a forward call. With explicit positions
   * (left-padded generation) the caller keeps every position below the context; the padded rectangle itself
   * may be longer. Without, a sequence past the context is refused.
   */
  protected sequence(ids: Tensor, opts: ForwardOptions): { B: number; T: number; past: number; pos: Tensor } {
    const [B, T] = ids.shape;
    const past = opts.cache?.length ?? 0;
    if (!opts.positions && past + T > this.contextLength)
      throw new Error(`sequence of ${past + T} tokens exceeds the context length ${this.contextLength}`);
    return { B, T, past, pos: opts.positions ?? arange(past, past + T, 1, "int64", this.device).unsqueeze(0) };
  }

  get numParams(): number {
    return countTensorParams(this.params);
  }

  /** Forward with a cache of the named activations (detached copies), like TransformerLens. */
  runWithCache(ids: Tensor, opts: RunWithCacheOptions = {}): { result: ForwardResult; cache: Map<string, Tensor> } {
    return runWithCache(this, ids, opts);
  }

  hookNames(): string[] {
    return hookNamesFor(this.nLayers);
  }

  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Per-layer keys and values [B, Hkv, T, hd] for incremental decoding. */
export class KVCache {
  k: (Tensor | null)[];
  v: (Tensor | null)[];
  constructor(nLayers: number) {
    this.k = new Array(nLayers).fill(null);
    this.v = new Array(nLayers).fill(null);
  }
  get length(): number {
    return this.k[0] ? this.k[0].shape[2] : 0;
  }
  /** Keep only the given batch rows (drop finished sequences). */
  selectRows(rows: Tensor): void {
    for (let i = 0; i < this.k.length; i++) {
      const k = this.k[i],
        v = this.v[i];
      if (k) {
        this.k[i] = keep(k.indexSelect(0, rows));
        k.dispose();
      }
      if (v) {
        this.v[i] = keep(v.indexSelect(0, rows));
        v.dispose();
      }
    }
  }
  dispose(): void {
    for (const t of [...this.k, ...this.v]) t?.dispose();
    this.k.fill(null);
    this.v.fill(null);
  }
}
