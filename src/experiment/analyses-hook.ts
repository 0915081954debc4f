// The analyses (probes, steering, ...) as the experiment runner sees them: a static registry of the
// project's runner (src/eval/analyses/index.ts). Its contract: `runAnalyses(runDir, results, config)`
// returns (a promise of) an object merged into results.analyses; checkpoints are at
// runDir/stages/<cell.stages.*>/. A new analysis registers itself (src/eval/analyses/registry.ts).
import type { Analyses, Results } from "../results/types.ts";
import { parseSettings, runAnalyses } from "../eval/analyses/index.ts";
import type { ExperimentConfig } from "./schema.ts";

export type AnalysesRunner = (
  runDir: string,
  results: Results,
  config: ExperimentConfig,
) => Analyses | Promise<Analyses>;

/** Names of the analyses switched on in the config (`true` or an object of settings). */
export function enabledAnalyses(config: ExperimentConfig): string[] {
  return Object.entries(config.analyses ?? {})
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k]) => k);
}

/** The project's analyses runner. */
export const defaultAnalysesRunner: AnalysesRunner = runAnalyses;

/** Validate the settings of every enabled analysis before anything trains, so a typo fails in a second rather than after the last stage. */
export async function checkAnalysisSettings(config: ExperimentConfig): Promise<void> {
  const all = (config.analyses ?? {}) as Record<string, unknown>;
  for (const name of enabledAnalyses(config)) parseSettings(name, all[name]);
}
