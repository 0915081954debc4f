// Load any supported checkpoint directory (ours or one from the hub) as a CausalLM: pick the architecture from
// config.json, check that every tensor it needs is there with the right shape and a float dtype (before
// reading any data), then read each tensor at its offset straight into its libtorch tensor, kept in the
// asked precision (float32 by default; bf16/f16 keep 16-bit weights, widened per use in the forward pass).
import { closeSync, openSync } from "node:fs";
import { basename } from "node:path";
import { Tensor, deviceOrCpu, keep, tidy, type Device, type DType } from "../torch/index.ts";
import type { StEntry } from "../torch/safetensors.ts";
import { readTensor } from "../torch/tensor-bytes.ts";
import type { CausalLM } from "./causal-lm.ts";
import { openModelDir, type ModelDir, type WeightFile } from "./model-dir.ts";
import { selectArchitecture, type TensorSpec } from "./arch/registry.ts";

export type WeightDType = "f32" | "bf16" | "f16";
const TORCH_DTYPE: Record<WeightDType, DType> = { f32: "float32", bf16: "bfloat16", f16: "float16" };

export interface LoadModelOptions {
  /** Precision the weights are kept in (default f32). */
  dtype?: WeightDType;
  /** Where the model lives (default the CPU); weights are read on the CPU and moved there. */
  device?: Device;
  /** Where config.json's unknown fields are reported (default: one line on stderr). */
  warn?: (msg: string) => void;
}

export interface LoadedModel {
  model: CausalLM;
  /** The architecture's own config (GptConfig, LlamaConfig). */
  config: unknown;
  dir: ModelDir;
  /** The directory's name: what a served model is called. */
  name: string;
}

interface Planned {
  spec: TensorSpec;
  file: WeightFile;
  entry: StEntry;
}

export function loadModel(path: string, opts: LoadModelOptions = {}): LoadedModel {
  const dtype = opts.dtype ?? "f32";
  if (!(dtype in TORCH_DTYPE)) throw new Error(`unknown weight dtype "${dtype}" (choose f32, bf16 or f16)`);
  const dir = openModelDir(path);
  const configFile = `${path}/config.json`;
  const arch = selectArchitecture(dir.config, configFile);
  const config = arch.parseConfig(dir.config, configFile, opts.warn ?? ((m) => process.stderr.write(m + "\n")));
  const plan = planTensors(dir, arch.tensors(config), arch.name);
  const weights = readTensors(plan, TORCH_DTYPE[dtype]);
  try {
    return {
      model: arch.build(config, weights, deviceOrCpu("loadModel", opts.device)),
      config,
      dir,
      name: basename(path.replace(/\/+$/, "")),
    };
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  }
}

/** Find every tensor and check its shape and dtype; throws before anything is read. */
function planTensors(dir: ModelDir, specs: TensorSpec[], arch: string): Planned[] {
  const out: Planned[] = [];
  for (const spec of specs) {
    const key = spec.keys.find((k) => dir.where.has(k));
    if (!key) {
      if (spec.optional) continue;
      const files = dir.files.map((f) => basename(f.path)).join(", ");
      throw new Error(
        `${dir.dir}: ${files} has no tensor "${spec.keys.join('" or "')}" that a ${arch} model with this config.json needs (incomplete download, or config.json from another model)`,
      );
    }
    const file = dir.where.get(key)!;
    const entry = file.entries.get(key)!;
    const want = spec.transposed ? [...spec.shape].reverse() : spec.shape;
    if (entry.shape.join() !== want.join())
      throw new Error(
        `${file.path}: tensor "${key}" has shape [${entry.shape}] but config.json needs [${want}] (config.json and weights disagree)`,
      );
    if (!["F32", "F16", "BF16"].includes(entry.dtype))
      throw new Error(
        `${file.path}: tensor "${key}" is ${entry.dtype}; weights must be F32, F16 or BF16 (quantised checkpoints are not supported: use the unquantised one)`,
      );
    out.push({ spec, file, entry });
  }
  return out;
}

function readTensors(plan: Planned[], dtype: DType): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const byFile = new Map<WeightFile, Planned[]>();
  for (const p of plan) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  try {
    for (const [file, items] of byFile) {
      const fd = openSync(file.path, "r");
      try {
        for (const { spec, entry } of items)
          out.set(spec.name, keep(toTensor(readTensor(fd, file.header, entry, file.path), spec, dtype)));
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/** A tensor as the file stores it -> `dtype` in our layout (Conv1D weights transposed); `raw` is consumed. */
function toTensor(raw: Tensor, spec: TensorSpec, dtype: DType): Tensor {
  if (!spec.transposed && raw.dtype === dtype) return raw;
  const out = tidy(() => {
    const t = spec.transposed ? raw.transpose(0, 1).contiguous() : raw;
    return t.dtype === dtype ? t : t.to(dtype);
  });
  raw.dispose();
  return out;
}
