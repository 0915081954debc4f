// LoRA (Hu et al. 2021) as PEFT does it: on each targeted linear layer W (d_out x d_in), y = x W^T + b +
// (alpha / r) * dropout(x) A^T B^T with A (r x d_in) drawn like PEFT's kaiming-uniform and B (d_out x r) zero,
// so a fresh adapter leaves the model unchanged. The base is frozen: only A and B get gradients. Adapters are
// saved in PEFT's layout (adapter_config.json + adapter_model.safetensors keyed
// `base_model.model.<module path>.lora_A.weight` / `.lora_B.weight`), so PEFT loads them, and merge into
// W += (alpha / r) B A.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor, keep, linear, noGrad, tensor, tidy } from "../torch/index.ts";
import { f32Tensor, loadFile, saveFile, asFloat32Array, type StTensor } from "../torch/safetensors.ts";
import { replaceDirAtomic } from "../util/fs.ts";
import { Rng } from "../util/rng.ts";
import type { CausalLM, LinearAdapter } from "./causal-lm.ts";

export interface LoraConfig {
  r: number;
  alpha: number;
  dropout: number;
  /** Module names as PEFT spells them: a suffix of the module path (q_proj, c_attn, mlp.c_proj, ...). */
  targetModules: string[];
}

const ADAPTER_CONFIG = "adapter_config.json";
const ADAPTER_WEIGHTS = "adapter_model.safetensors";

/** One adapted linear layer: A [r, d_in] and B [d_out, r], trainable. */
class LoraLinear implements LinearAdapter {
  constructor(
    readonly a: Tensor,
    readonly b: Tensor,
    readonly scale: number,
    readonly dropout: number,
  ) {}
  /** Dropout on the adapter's input acts only in a training forward pass. */
  forward(x: Tensor, train: boolean): Tensor {
    const w = this.a.dtype === x.dtype ? null : x.dtype;
    // linear (x A^T, then B^T): the engine's GEMM and its backward, as the base layer's.
    const xa = linear(x.dropout(this.dropout, train), w ? this.a.to(w) : this.a); // [.., r]
    return linear(xa, w ? this.b.to(w) : this.b).mul(this.scale); // [.., d_out]
  }
}

/** The module path PEFT sees for one of our linear layers (GPT-2 and our GPT live under `transformer.`). */
function peftModulePath(arch: string, layer: string): string {
  return arch === "gpt" || arch === "gpt2" ? `transformer.${layer}` : layer;
}

/** PEFT's key for an adapter matrix: base_model.model.<module path>.lora_A.weight / lora_B.weight. */
export function peftKey(arch: string, layer: string, which: "A" | "B"): string {
  return `base_model.model.${peftModulePath(arch, layer)}.lora_${which}.weight`;
}

/** PEFT's rule for a target name given as a string list: the module path equals it or ends with "." + it. */
function matchesTarget(path: string, target: string): boolean {
  return path === target || path.endsWith("." + target);
}

function check(cfg: LoraConfig): void {
  if (!Number.isInteger(cfg.r) || cfg.r < 1) throw new Error(`LoRA r must be a positive integer (got ${cfg.r})`);
  if (!(cfg.alpha > 0)) throw new Error(`LoRA alpha must be positive (got ${cfg.alpha})`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1) (got ${cfg.dropout})`);
  if (cfg.targetModules.length === 0)
    throw new Error("LoRA target_modules is empty (name layers such as q_proj, v_proj or c_attn)");
}

/** The layers a config targets; a target matching none is a one-line error listing what there is. */
function targetLayers(model: CausalLM, cfg: LoraConfig): string[] {
  const layers = model.linearLayers();
  const paths = layers.map((l) => peftModulePath(model.arch, l));
  for (const t of cfg.targetModules) {
    if (!paths.some((p) => matchesTarget(p, t))) {
      const names = [...new Set(layers.map((l) => l.split(".").pop()!))].join(", ");
      throw new Error(
        `LoRA target module "${t}" matches no linear layer of this ${model.arch} model (its layers: ${names})`,
      );
    }
  }
  return layers.filter((_, i) => cfg.targetModules.some((t) => matchesTarget(paths[i], t)));
}

/** Freeze the base and attach fresh adapters (A seeded per layer, B zero); returns the trainable tensors. */
export function attachLora(model: CausalLM, cfg: LoraConfig, seed: number): Tensor[] {
  check(cfg);
  if (model.adapters.size > 0) throw new Error("the model already has adapters attached");
  const layers = targetLayers(model, cfg);
  for (const p of model.params.values()) p.requiresGrad_(false);
  const out: Tensor[] = [];
  for (const layer of layers) {
    const [dOut, dIn] = model.params.get(layer + ".weight")!.shape;
    // PEFT: kaiming_uniform_(a=sqrt(5)) on A, i.e. U(-1/sqrt(d_in), 1/sqrt(d_in)); B = 0.
    const rng = Rng.derive(seed, `lora/${layer}`);
    const bound = 1 / Math.sqrt(dIn);
    const a = Float32Array.from({ length: cfg.r * dIn }, () => (2 * rng.float() - 1) * bound);
    out.push(
      ...attach(
        model,
        layer,
        tensor(a, [cfg.r, dIn], undefined, model.device),
        tensor(new Float32Array(dOut * cfg.r), [dOut, cfg.r], undefined, model.device),
        cfg,
      ),
    );
  }
  return out;
}

function attach(model: CausalLM, layer: string, a: Tensor, b: Tensor, cfg: LoraConfig): Tensor[] {
  const A = keep(a).requiresGrad_(true),
    B = keep(b).requiresGrad_(true);
  model.adapters.set(layer, new LoraLinear(A, B, cfg.alpha / cfg.r, cfg.dropout));
  return [A, B];
}

export function loraAdapters(model: CausalLM): Map<string, LoraLinear> {
  const out = new Map<string, LoraLinear>();
  for (const [k, v] of model.adapters) if (v instanceof LoraLinear) out.set(k, v);
  return out;
}

/** Save the attached adapters in PEFT's layout (written to a temp directory, then swapped in). */
export function saveLora(dir: string, model: CausalLM, cfg: LoraConfig, baseModel: string): void {
  const adapters = loraAdapters(model);
  if (adapters.size === 0) throw new Error("no LoRA adapters attached: nothing to save");
  const tensors: Record<string, StTensor> = {};
  const st = (t: Tensor) => f32Tensor(t.shape, t.to("float32").dataSync() as Float32Array);
  for (const [layer, a] of adapters) {
    tensors[peftKey(model.arch, layer, "A")] = st(a.a);
    tensors[peftKey(model.arch, layer, "B")] = st(a.b);
  }
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: baseModel,
    inference_mode: true,
    r: cfg.r,
    lora_alpha: cfg.alpha,
    lora_dropout: cfg.dropout,
    target_modules: cfg.targetModules,
    // GPT-2's Conv1D stores [in, out]: PEFT merges those layers transposed.
    fan_in_fan_out: model.arch === "gpt2" || model.arch === "gpt",
    bias: "none",
    modules_to_save: null,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
  replaceDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + "\n");
    saveFile(join(tmp, ADAPTER_WEIGHTS), tensors, { format: "pt" });
  });
}

/** Read an adapter directory's config; a one-line error naming the file for anything we cannot apply. */
export function readLoraConfig(dir: string): LoraConfig {
  const path = join(dir, ADAPTER_CONFIG);
  if (!existsSync(path)) throw new Error(`${dir}: no ${ADAPTER_CONFIG} (not a PEFT adapter directory)`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message.split("\n")[0]})`, { cause: e });
  }
  if (raw.peft_type !== "LORA")
    throw new Error(`${path}: peft_type ${JSON.stringify(raw.peft_type)} is not supported (only LORA)`);
  for (const k of ["use_dora", "use_rslora"])
    if (raw[k] === true) throw new Error(`${path}: ${k} is not supported (plain LoRA only)`);
  for (const k of ["rank_pattern", "alpha_pattern"]) {
    const v = raw[k];
    if (v && typeof v === "object" && Object.keys(v).length > 0)
      throw new Error(`${path}: ${k} is not supported (one r and alpha for every layer)`);
  }
  if (raw.bias !== undefined && raw.bias !== "none")
    throw new Error(`${path}: bias ${JSON.stringify(raw.bias)} is not supported (only "none")`);
  const tm = raw.target_modules;
  const targetModules =
    typeof tm === "string"
      ? [tm]
      : Array.isArray(tm) && tm.every((t) => typeof t === "string")
        ? (tm as string[])
        : null;
  if (!targetModules) throw new Error(`${path}: target_modules must be a list of module names`);
  const cfg: LoraConfig = {
    r: Number(raw.r),
    alpha: Number(raw.lora_alpha),
    dropout: Number(raw.lora_dropout ?? 0),
    targetModules,
  };
  try {
    check(cfg);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
  return cfg;
}

/** Attach the adapters saved in `dir` (PEFT's layout) to `model`; every expected key must be there with its shape. */
export function loadLora(dir: string, model: CausalLM): LoraConfig {
  const cfg = readLoraConfig(dir);
  const path = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(path)) throw new Error(`${dir}: no ${ADAPTER_WEIGHTS} (only safetensors adapters are read)`);
  const file = loadFile(path);
  const layers = targetLayers(model, cfg);
  const expected = new Set<string>();
  for (const layer of layers) {
    const [dOut, dIn] = model.params.get(layer + ".weight")!.shape;
    const get = (which: "A" | "B", shape: number[]) => {
      const key = peftKey(model.arch, layer, which);
      expected.add(key);
      const t = file.tensors[key];
      if (!t) throw new Error(`${path}: no tensor "${key}" (adapter made for another model or other target_modules?)`);
      if (t.shape.join() !== shape.join())
        throw new Error(`${path}: tensor "${key}" has shape [${t.shape}] but this model needs [${shape}]`);
      if (t.dtype !== "F32")
        throw new Error(`${path}: tensor "${key}" is ${t.dtype}; adapters are read as F32 (save them in float32)`);
      return tensor(asFloat32Array(t), shape, undefined, model.device);
    };
    const a = get("A", [cfg.r, dIn]),
      b = get("B", [dOut, cfg.r]);
    attach(model, layer, a, b, cfg);
  }
  const extra = Object.keys(file.tensors).filter((k) => !expected.has(k));
  if (extra.length)
    throw new Error(
      `${path}: tensor "${extra[0]}" belongs to no targeted layer of this ${model.arch} model (adapter made for another model?)`,
    );
  for (const p of model.params.values()) p.requiresGrad_(false);
  return cfg;
}

/** Fold every adapter into its base weight (W += scale B A, in W's dtype) and detach the adapters. */
export function mergeLora(model: CausalLM): void {
  const adapters = loraAdapters(model);
  noGrad(() => {
    for (const [layer, a] of adapters) {
      const w = model.params.get(layer + ".weight")!;
      tidy(() => w.copy_(w.to("float32").add(a.b.matmul(a.a).mul(a.scale)).to(w.dtype)));
      a.a.dispose();
      a.b.dispose();
      model.adapters.delete(layer);
    }
  });
}
