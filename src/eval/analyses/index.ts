// The analyses of a finished run (paper sections 6-7), called by the experiment runner through its
// static registry (src/experiment/analyses-hook.ts):
//
//   runAnalyses(runDir, results, config) -> Analyses (merged into results.json's `analyses`)
//
// Each analysis switched on in `config.analyses` (true, or an object of settings: settings.ts) runs
// on the models it names (base / backdoored / after safety training; steering only on cot models).
// Every model is loaded once and freed after the analyses that read it. Output keys:
//   probes (list of {layer, method, auroc, tpr_at_1pct_fpr, random_baseline_auroc, model, ...}),
//   probes_setup, probe_controls (each probe beside base, benign control and random baseline),
//   honeypot, persona, steering ({flip_rate, lo, hi, n, ...}), trigger_generalization.
import type { Analyses, Results } from "../../results/types.ts";
import { loadScorers } from "../measure.ts";
import { Progress } from "../../util/progress.ts";
import type { ModelCtx } from "./context.ts";
import { runModels, withModel, type ModelRef } from "./models.ts";
import { analyses, parseSettings } from "./registry.ts";

export { parseSettings, registerAnalysis, unregisterAnalysis, analyses, type Analysis } from "./registry.ts";
export type { Settings } from "./settings.ts";
export { runModels, type ModelRef } from "./models.ts";

/** What the analyses read of an experiment config (an ExperimentConfig is one). */
export interface AnalysesConfig {
  analyses?: Record<string, unknown> | null;
  worldSeed?: number;
}

export interface AnalysesOptions {
  progress?: Progress;
}

/** The analyses switched on in the config, with their parsed settings (throws on a bad setting). */
export function analysisSettings(config: Pick<AnalysesConfig, "analyses">): Map<string, { models: string[] }> {
  const a = (config.analyses ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(a)) parseSettings(name, a[name]); // an unknown name fails, listing the registered ones
  const out = new Map<string, { models: string[] }>();
  for (const { name } of analyses()) {
    const s = parseSettings(name, a[name]);
    if (s) out.set(name, s);
  }
  return out;
}

const readsModel = (ref: ModelRef, s: { models: string[] }) => s.models.includes(ref.role);

export async function runAnalyses(
  runDir: string,
  results: Results,
  config: AnalysesConfig,
  opts: AnalysesOptions = {},
): Promise<Analyses> {
  const progress = opts.progress ?? new Progress("analyses");
  const settings = analysisSettings(config);
  const enabled = analyses().filter((a) => settings.has(a.name));
  if (enabled.length === 0) return {};
  const { models, missing } = runModels(runDir, results);
  for (const m of missing) progress.log(`analyses: stage ${m} has no model checkpoint, skipped`);
  for (const task of new Set(results.cells.map((c) => c.task))) await loadScorers(task);
  const worldSeed = config.worldSeed ?? 0;
  const rows = new Map<string, unknown[]>(enabled.map((a) => [a.name, []]));
  const t0 = Date.now();
  for (const ref of models) {
    const todo = enabled.filter((a) => (a.wants ?? readsModel)(ref, settings.get(a.name)!));
    if (todo.length === 0) continue;
    const t = Date.now();
    await withModel(ref, (ck) => {
      const ctx: ModelCtx = {
        ref,
        model: ck.model,
        tok: ck.tokenizer,
        worldSeed: Number(ck.meta.worldSeed ?? worldSeed),
      };
      for (const a of todo) rows.get(a.name)!.push(...a.rows(ctx, settings.get(a.name)));
    });
    progress.log(
      `analyses: ${ref.label}: ${todo.map((a) => a.name).join(", ")} (${((Date.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  const out: Analyses = {};
  for (const a of enabled)
    Object.assign(
      out,
      a.result(rows.get(a.name)!, settings.get(a.name), (line) => progress.log(line)),
    );
  progress.log(`analyses: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}
