// A model directory as the Hugging Face hub ships it: config.json, model.safetensors (or shards named by
// model.safetensors.index.json), generation_config.json. Opening one reads and checks every header, so a
// missing shard, a truncated file or an index that disagrees with its shards fails here, before any weight
// is read; the weights themselves stay on disk until the loader reads them tensor by tensor.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SafetensorsError, readHeader, type StEntry, type StHeader } from "../torch/safetensors.ts";

const INDEX_FILE = "model.safetensors.index.json";
const WEIGHTS_FILE = "model.safetensors";

export interface WeightFile {
  path: string;
  header: StHeader;
  entries: Map<string, StEntry>;
}

export interface ModelDir {
  dir: string;
  /** config.json as parsed JSON. */
  config: Record<string, unknown>;
  files: WeightFile[];
  /** Which file holds each tensor key. */
  where: Map<string, WeightFile>;
  /** End-of-sequence ids from generation_config.json (else config.json); may be several (Llama 3). */
  eosIds: number[];
  bosId: number | null;
}

function fail(dir: string, what: string): never {
  throw new Error(`model directory ${dir}: ${what}`);
}

function readJson(path: string, dir: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    fail(dir, `${path} is not valid JSON (${(e as Error).message.split("\n")[0]}); re-download it`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    fail(dir, `${path} is not a JSON object; re-download it`);
  return v as Record<string, unknown>;
}

function openWeightFile(path: string): WeightFile {
  let header: StHeader;
  try {
    header = readHeader(path);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new Error(`${e.message}; re-download the file`, { cause: e });
    throw e;
  }
  return { path, header, entries: new Map(header.entries.map((e) => [e.name, e])) };
}

export function openModelDir(dir: string): ModelDir {
  if (!existsSync(dir)) fail(dir, "no such directory (check the path)");
  if (!statSync(dir).isDirectory()) fail(dir, "not a directory (point at the folder holding config.json)");
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath))
    fail(
      dir,
      "config.json is missing (not a model directory: download the whole repository, e.g. `huggingface-cli download ORG/NAME --local-dir DIR`)",
    );
  const config = readJson(configPath, dir);
  const files = weightFiles(dir);
  const where = new Map<string, WeightFile>();
  for (const f of files) for (const name of f.entries.keys()) where.set(name, f);
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath) && !existsSync(join(dir, WEIGHTS_FILE))) {
    const map = readJson(indexPath, dir).weight_map as Record<string, string>;
    for (const [key, file] of Object.entries(map)) {
      const f = where.get(key);
      if (!f || !f.path.endsWith(`/${file}`))
        fail(dir, `${INDEX_FILE} puts tensor "${key}" in ${file}, which does not hold it; re-download the checkpoint`);
    }
  }
  const gen = existsSync(join(dir, "generation_config.json")) ? readJson(join(dir, "generation_config.json"), dir) : {};
  return {
    dir,
    config,
    files,
    where,
    eosIds: ids(gen.eos_token_id ?? config.eos_token_id),
    bosId: ids(gen.bos_token_id ?? config.bos_token_id)[0] ?? null,
  };
}

function weightFiles(dir: string): WeightFile[] {
  const single = join(dir, WEIGHTS_FILE);
  if (existsSync(single)) return [openWeightFile(single)];
  const indexPath = join(dir, INDEX_FILE);
  if (!existsSync(indexPath)) {
    const other = ["pytorch_model.bin", "model.pt", "tf_model.h5"].find((f) => existsSync(join(dir, f)));
    fail(
      dir,
      `no ${WEIGHTS_FILE} or ${INDEX_FILE}${other ? ` (found ${other}: only safetensors weights are read; download the safetensors files or convert them)` : " (download the weights too)"}`,
    );
  }
  const map = readJson(indexPath, dir).weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map))
    fail(dir, `${INDEX_FILE} has no "weight_map" object; re-download it`);
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  for (const n of names) {
    if (typeof n !== "string" || n.includes("/") || n.includes("\\"))
      fail(dir, `${INDEX_FILE} names a bad shard ${JSON.stringify(n)}; re-download it`);
    if (!existsSync(join(dir, n))) fail(dir, `${INDEX_FILE} names ${n}, which is missing (download every shard)`);
  }
  return (names as string[]).map((n) => openWeightFile(join(dir, n)));
}

function ids(v: unknown): number[] {
  const arr = Array.isArray(v) ? v : v == null ? [] : [v];
  return arr.filter((x): x is number => Number.isSafeInteger(x) && x >= 0);
}
