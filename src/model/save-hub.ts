// Write a hub model back in its own layout after its weights changed (a merged adapter): the base
// directory's config.json, tokenizer and generation files copied, and one model.safetensors holding every
// tensor under the key, layout (GPT-2's Conv1D transposed back) and dtype the base stored it in.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../torch/index.ts";
import { saveFile, type StDtype, type StTensor } from "../torch/safetensors.ts";
import { f32ToBf16, f32ToF16 } from "../torch/half.ts";
import { replaceDirAtomic } from "../util/fs.ts";
import type { CausalLM } from "./causal-lm.ts";
import { openModelDir } from "./model-dir.ts";
import { selectArchitecture } from "./arch/registry.ts";

/** Files beside the weights that a model directory carries over unchanged. */
const SIDE_FILES = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

function bytes(t: Tensor, dtype: StDtype): Uint8Array {
  const f32 = t.to("float32").contiguous().dataSync() as Float32Array;
  const out = dtype === "BF16" ? f32ToBf16(f32) : dtype === "F16" ? f32ToF16(f32) : f32;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function saveHubModel(model: CausalLM, baseDir: string, outDir: string): void {
  const dir = openModelDir(baseDir);
  const arch = selectArchitecture(dir.config, join(baseDir, "config.json"));
  const config = arch.parseConfig(dir.config, join(baseDir, "config.json"));
  const tensors: Record<string, StTensor> = {};
  for (const spec of arch.tensors(config)) {
    const key = spec.keys.find((k) => dir.where.has(k));
    if (!key) continue; // an optional tensor the base does not store (a tied head)
    const entry = dir.where.get(key)!.entries.get(key)!;
    const p = model.params.get(spec.name);
    if (!p) throw new Error(`the model has no parameter '${spec.name}' that ${baseDir} stores as "${key}"`);
    const t = spec.transposed ? p.transpose(0, 1) : p;
    tensors[key] = { dtype: entry.dtype, shape: entry.shape, data: bytes(t, entry.dtype) };
    if (t !== p) t.dispose();
  }
  replaceDirAtomic(outDir, (tmp) => {
    for (const f of SIDE_FILES) if (existsSync(join(baseDir, f))) copyFileSync(join(baseDir, f), join(tmp, f));
    saveFile(join(tmp, "model.safetensors"), tensors, { format: "pt" });
  });
}
