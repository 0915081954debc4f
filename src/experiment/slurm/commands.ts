// The Slurm client commands `run --executor slurm` uses (sbatch, squeue, scancel, sinfo), as small
// functions with one-line errors. They read SLURM_CONF and the rest of Slurm's environment as usual.
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { delimiter, join } from "node:path";

/** Whether `cmd` is an executable on PATH. */
function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? "").split(delimiter).some((d) => d !== "" && existsSync(join(d, cmd)));
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why =
          (stderr || err.message)
            .trim()
            .split("\n")
            .filter((l) => l.trim() !== "")
            .pop() ?? "failed";
        reject(new Error(`${cmd} failed: ${why}`));
      } else resolve(stdout);
    });
  });
}

/**
 * Checks, before anything is submitted: the client commands are on PATH, sinfo reaches the cluster,
 * and every partition the config names exists. Returns the one-line problem, or undefined.
 */
export function slurmRefusal(partitions: string[]): string | undefined {
  for (const cmd of ["sbatch", "squeue", "scancel", "sinfo"]) {
    if (!onPath(cmd))
      return `--executor slurm: \`${cmd}\` is not on PATH; run on a Slurm login node (or install Slurm's client commands), or drop --executor slurm to run here`;
  }
  const r = spawnSync("sinfo", ["-h", "-o", "%P"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || "").trim().split("\n").pop();
    return `--executor slurm: sinfo cannot reach the cluster (${why}); check SLURM_CONF and that slurmctld is up`;
  }
  const known = r.stdout
    .trim()
    .split(/\s+/)
    .map((p) => p.replace(/\*$/, "")); // "*" marks the default
  for (const p of new Set(partitions)) {
    if (!known.includes(p))
      return `--executor slurm: unknown partition "${p}" in the config's slurm section (the cluster has: ${known.join(", ") || "none"}); fix slurm.partition or slurm.kinds`;
  }
  return undefined;
}

/** Submits a job; its id. */
export async function sbatch(args: string[]): Promise<string> {
  const out = (await run("sbatch", args)).trim();
  const id = out.split(";")[0]; // --parsable: "id" or "id;cluster"
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id (got "${out.slice(0, 100)}")`);
  return id;
}

export interface JobState {
  state: string;
  /** Why a pending job waits (squeue's %r: Resources, Priority, ...), "None" otherwise. */
  reason: string;
}

/**
 * The state of every job squeue still lists (finished ones stay listed for MinJobAge seconds); a job
 * missing from the map has left the queue.
 */
export async function queueStates(ids: string[]): Promise<Map<string, JobState>> {
  const out = new Map<string, JobState>();
  if (ids.length === 0) return out;
  // This user's jobs, not -j: squeue fails the whole call when one of the ids has been purged.
  const text = await run("squeue", ["-h", "-t", "all", "-u", userInfo().username, "-o", "%i|%T|%r"]);
  const want = new Set(ids);
  for (const line of text.split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    if (id && want.has(id)) out.set(id, { state, reason: reason ?? "None" });
  }
  return out;
}

/** This user's queued or running jobs: id, name, working directory and state (to adopt after a restart). */
export async function liveJobs(): Promise<Array<{ id: string; name: string; dir: string; state: string }>> {
  const text = await run("squeue", ["-h", "-u", userInfo().username, "-o", "%i|%j|%Z|%T"]);
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [id, name, dir, state] = l.trim().split("|");
      return { id, name, dir, state };
    })
    .filter((j) => !FINAL_STATES.has(j.state));
}

/** A job's final state from sacct, when accounting is there to say (undefined otherwise). */
export async function accountedState(id: string): Promise<string | undefined> {
  try {
    const text = await run("sacct", ["-n", "-X", "-P", "-j", id, "-o", "State"], 15_000);
    return text.trim().split("\n")[0]?.split(" ")[0] || undefined;
  } catch {
    return undefined;
  }
}

/** Cancels jobs, synchronously (it runs from a signal handler on the way out). */
export function scancel(ids: string[]): void {
  if (ids.length > 0) spawnSync("scancel", ids, { timeout: 30_000 });
}

/** Job states after which the job will not run again (PENDING, RUNNING, COMPLETING, ... are not). */
export const FINAL_STATES = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "PREEMPTED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "REVOKED",
  "SPECIAL_EXIT",
]);
