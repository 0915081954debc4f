// A `train-dp` rank under srun: rank, world size and rendezvous from Slurm's environment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { distFromSlurm, firstHost } from "../../src/torch/slurm-dist.ts";

test("the first host of a Slurm host list", () => {
  assert.equal(firstHost("localhost"), "localhost");
  assert.equal(firstHost("n1,n2"), "n1");
  assert.equal(firstHost("gpu[03-04,07],cpu1"), "gpu03");
  assert.equal(firstHost("node[7,9]"), "node7");
  assert.equal(firstHost("rack1-n[10-12]"), "rack1-n10");
  assert.throws(() => firstHost(""), /names no host/);
});

test("rank, world size and address from an srun task's environment; null outside one", () => {
  const env = {
    SLURM_PROCID: "1",
    SLURM_NTASKS: "4",
    SLURM_STEP_ID: "0",
    SLURM_JOB_ID: "12345",
    SLURM_JOB_NODELIST: "gpu[03-04]",
  };
  assert.deepEqual(distFromSlurm(env), { host: "gpu03", port: 32345, rank: 1, worldSize: 4, timeoutMs: undefined });
  assert.equal(distFromSlurm({ ...env, MASTER_PORT: "29400" })?.port, 29400);
  assert.equal(distFromSlurm({ SLURM_JOB_ID: "1" }), null);
  const { SLURM_STEP_ID: _s, ...batch } = env;
  assert.equal(distFromSlurm(batch), null, "the batch script itself is not a rank");
  assert.throws(
    () => distFromSlurm({ ...env, SLURM_NTASKS: "x" }),
    /SLURM_NTASKS must be a non-negative integer .*srun/,
  );
  const { SLURM_JOB_NODELIST: _n, ...noList } = env;
  assert.throws(() => distFromSlurm(noList), /SLURM_JOB_NODELIST is not set/);
});
