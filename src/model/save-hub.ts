// Write a hub model back in its own layout after its weights changed (a merged adapter): the base
// directory's config.json, tokenizer and generation files copied, and one model.safetensors holding every
// tensor under the key, layout (GPT-2's Conv1D transposed back) and dtype the base stored it in.
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../torch/index.ts";
import { saveFile, type StDtype, type StTensor } from "../torch/safetensors.ts";
import { f32ToBf16, f32ToF16 } from "../torch/half.ts";
import { replaceDirAtomic } from "../util/fs.ts";
import type { CausalLM } from "./causal-lm.ts";
import { openModelDir } from "./model-dir.ts";
import { selectArchitecture } from "./arch/registry.ts";

/** Files beside the weights that a model directory carries over unchanged. */
const SIDE_FILES = [
  "config.json",
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
];

function bytes(t: Tensor, dtype: StDtype): Uint8Array {
  const f32 = t.to("float32").contiguous().dataSync() as Float32Array;
  const out = dtype === "BF16" ? f32ToBf16(f32) : dtype === "F16" ? f32ToF16(f32) : f32;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * `extra` writes more files into the directory before it is swapped in (provenance, an adapter). A tensor
 * the base does not store but the model has (a preference model's scalar head) is written as F32.
 */
export function saveHubModel(model: CausalLM, baseDir: string, outDir: string, extra?: (tmp: string) => void): void {
  const dir = openModelDir(baseDir);
  const arch = selectArchitecture(dir.config, join(baseDir, "config.json"));
  const config = arch.parseConfig(dir.config, join(baseDir, "config.json"));
  const tensors: Record<string, StTensor> = {};
  for (const spec of arch.tensors(config)) {
    const key = spec.keys.find((k) => dir.where.has(k));
    const p = model.params.get(spec.name);
    if (!key && p && spec.optional) {
      tensors[spec.keys[0]] = { dtype: "F32", shape: p.shape, data: bytes(p, "F32") };
      continue;
    }
    if (!key) continue; // an optional tensor the base does not store (a tied head)
    const entry = dir.where.get(key)!.entries.get(key)!;
    if (!p) throw new Error(`the model has no parameter '${spec.name}' that ${baseDir} stores as "${key}"`);
    const t = spec.transposed ? p.transpose(0, 1) : p;
    tensors[key] = { dtype: entry.dtype, shape: entry.shape, data: bytes(t, entry.dtype) };
    if (t !== p) t.dispose();
  }
  replaceDirAtomic(outDir, (tmp) => {
    for (const f of SIDE_FILES) if (existsSync(join(baseDir, f))) copyFileSync(join(baseDir, f), join(tmp, f));
    saveFile(join(tmp, "model.safetensors"), tensors, { format: "pt" });
    extra?.(tmp);
  });
}

/**
 * Write a model that has no base directory (one we initialised and trained) in the hub layout: `config` as
 * config.json, `files` (tokenizer.json, tokenizer_config.json, generation_config.json ...) as given, and
 * every tensor under its first hub key, as F32.
 */
export function saveNewHubModel(
  model: CausalLM,
  config: Record<string, unknown>,
  files: Record<string, string>,
  outDir: string,
): void {
  const arch = selectArchitecture(config, "config.json");
  const tensors: Record<string, StTensor> = {};
  for (const spec of arch.tensors(arch.parseConfig(config, "config.json"))) {
    const p = model.params.get(spec.name);
    if (!p) {
      if (spec.optional) continue;
      throw new Error(`the model has no parameter '${spec.name}' that its config.json needs`);
    }
    const t = spec.transposed ? p.transpose(0, 1) : p;
    tensors[spec.keys[0]] = { dtype: "F32", shape: [...t.shape], data: bytes(t, "F32") };
    if (t !== p) t.dispose();
  }
  replaceDirAtomic(outDir, (tmp) => {
    writeFileSync(join(tmp, "config.json"), JSON.stringify(config, null, 2) + "\n");
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
    saveFile(join(tmp, "model.safetensors"), tensors, { format: "pt" });
  });
}
