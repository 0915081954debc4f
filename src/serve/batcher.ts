// Concurrent requests onto one model: jobs wait a few milliseconds in a queue, grouped by sampling
// settings, and each group runs as one engine.generate() batch. While a batch runs (synchronously),
// new jobs queue up and go in the next batch. Each job carries its own seed, so its result does not
// depend on what it was batched with.
import type { Engine, EngineResult, SamplingSettings } from "./engine.ts";

export interface BatcherOptions {
  /** How long the first job of an idle queue waits for company (default 5 ms). */
  windowMs?: number;
  /** Most jobs in one generate() call (default 64). */
  maxBatch?: number;
  /** Most jobs waiting; beyond it submit() rejects with QueueFullError (default 4096). */
  maxQueue?: number;
}

export interface BatcherStats {
  batches: number;
  jobs: number;
  maxBatch: number;
  /** Jobs waiting now. */
  queued: number;
}

interface Job {
  prompt: string;
  seed: number;
  resolve: (r: EngineResult) => void;
  reject: (e: unknown) => void;
}

interface Group {
  settings: SamplingSettings;
  jobs: Job[];
  since: number;
}

export class QueueFullError extends Error {}

export class Batcher {
  private readonly groups = new Map<string, Group>();
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private queued = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  readonly stats: BatcherStats = { batches: 0, jobs: 0, maxBatch: 0, queued: 0 };

  constructor(
    private readonly engine: Engine,
    o: BatcherOptions = {},
  ) {
    this.windowMs = o.windowMs ?? 5;
    this.maxBatch = o.maxBatch ?? 64;
    this.maxQueue = o.maxQueue ?? 4096;
    if (!(this.windowMs >= 0)) throw new Error(`batch window must be >= 0 ms (got ${this.windowMs})`);
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1)
      throw new Error(`batch size must be a positive integer (got ${this.maxBatch})`);
  }

  /** Queue several jobs at once (all or none: a full queue rejects the whole request). */
  submitAll(prompts: string[], seeds: number[], settings: SamplingSettings): Promise<EngineResult[]> {
    if (this.queued + prompts.length > this.maxQueue) {
      return Promise.reject(new QueueFullError(`the server's queue is full (${this.queued} waiting); retry later`));
    }
    const key = JSON.stringify(settings);
    let g = this.groups.get(key);
    if (!g) {
      g = { settings, jobs: [], since: Date.now() };
      this.groups.set(key, g);
    }
    const group = g;
    const all = prompts.map(
      (prompt, i) =>
        new Promise<EngineResult>((resolve, reject) => group.jobs.push({ prompt, seed: seeds[i], resolve, reject })),
    );
    this.queued += prompts.length;
    this.stats.queued = this.queued;
    this.schedule(group.jobs.length >= this.maxBatch);
    return Promise.all(all);
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.queued === 0 && !this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(now: boolean): void {
    if (this.running || this.scheduled) return;
    if (now || this.windowMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.scheduled = true;
      setImmediate(() => this.runOne());
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.scheduled = true;
        this.runOne();
      }, this.windowMs);
    }
  }

  /** Run the batch of the group waiting longest, then yield to I/O before the next. */
  private runOne(): void {
    this.scheduled = false;
    let oldest: [string, Group] | null = null;
    for (const e of this.groups) if (!oldest || e[1].since < oldest[1].since) oldest = e;
    if (!oldest) return this.notifyIdle();
    const [key, g] = oldest;
    const jobs = g.jobs.splice(0, this.maxBatch);
    if (g.jobs.length === 0) this.groups.delete(key);
    else g.since = Date.now();
    this.queued -= jobs.length;
    this.stats.queued = this.queued;
    this.running = true;
    let results: EngineResult[] | null = null;
    let error: unknown = null;
    try {
      results = this.engine.generate(
        jobs.map((j) => j.prompt),
        g.settings,
        jobs.map((j) => j.seed),
      );
      if (results.length !== jobs.length)
        throw new Error(`engine returned ${results.length} results for ${jobs.length} prompts`);
    } catch (e) {
      error = e;
    }
    this.running = false;
    this.stats.batches++;
    this.stats.jobs += jobs.length;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, jobs.length);
    jobs.forEach((j, i) => (results ? j.resolve(results[i]) : j.reject(error)));
    if (this.groups.size > 0) {
      this.scheduled = true;
      setImmediate(() => this.runOne()); // let responses go out and new requests in first
    } else this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queued > 0 || this.running) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
