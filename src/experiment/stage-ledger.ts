// The bookkeeping every graph executor keeps, whichever runs the stages (runner.ts's sequential one,
// workers/master.ts, slurm/executor.ts): each stage's stored result, which stages ran and which an
// earlier run had finished, and how progress lines and logs/run.jsonl speak of them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { appendJsonl } from "../util/jsonl.ts";
import type { Progress } from "../util/progress.ts";
import type { StageResults } from "./assemble.ts";
import type { Stage, StageGraph } from "./graph.ts";
import type { GraphRun } from "./runner.ts";
import { stageDir } from "./stage-dirs.ts";

/** Read a finished stage's result.json; undefined when the stage has not finished. */
export function readStageResult(dir: string, st: Pick<Stage, "id" | "cell">): unknown {
  const p = join(stageDir(dir, st), "result.json");
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as unknown;
  } catch {
    return undefined; // a result.json that does not parse means the stage did not finish; redo it
  }
}

/** One event of DIR/logs/run.jsonl (start, resume, skip, finish, fail, and the executors' own). */
export function runEvent(dir: string, event: string, stage: string, extra: Record<string, unknown> = {}): void {
  appendJsonl(join(dir, "logs", "run.jsonl"), { t: new Date().toISOString(), event, stage, ...extra });
}

export class StageLedger {
  readonly results: StageResults = new Map();
  readonly ran: string[] = [];
  readonly skipped: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly graph: StageGraph,
    private readonly progress: Progress,
  ) {}

  /** How progress lines name a stage: "[2/5] label (id)". */
  head(st: Pick<Stage, "id" | "label">): string {
    const i = this.graph.stages.findIndex((s) => s.id === st.id);
    return `[${i + 1}/${this.graph.stages.length}] ${st.label} (${st.id})`;
  }

  event(event: string, stage: string, extra: Record<string, unknown> = {}): void {
    runEvent(this.dir, event, stage, extra);
  }

  /** A stage an earlier run finished: its result is taken and it is logged as skipped; false when it has none. */
  skipIfFinished(st: Stage): boolean {
    const done = readStageResult(this.dir, st);
    if (done === undefined) return false;
    this.results.set(st.id, done);
    this.skipped.push(st.id);
    this.progress.log(`${this.head(st)}: finished earlier, skipped`);
    this.event("skip", st.id);
    return true;
  }

  /** A stage this run finished, with its stored result. */
  finished(id: string, stored: unknown): void {
    this.results.set(id, stored);
    this.ran.push(id);
  }

  /** The closing line of the stages (`started`: when the executor began) and what the executor returns. */
  close(started: number): GraphRun {
    const mins = ((Date.now() - started) / 60000).toFixed(1);
    this.progress.log(`stages: ${this.ran.length} trained, ${this.skipped.length} finished earlier (${mins} min)`);
    return { results: this.results, ran: this.ran, skipped: this.skipped };
  }
}
