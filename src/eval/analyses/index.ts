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
import { honeypotResult, honeypotRows, type HoneypotRow } from "./honeypot.ts";
import { runModels, withModel, type ModelRef } from "./models.ts";
import { personaResult, personaRows } from "./persona.ts";
import { probeControls, probeRows, probesInfo, type ProbeOutcome } from "./probes.ts";
import { parseSettings, SETTINGS, type AnalysisName, type Settings } from "./settings.ts";
import { steeringResult, steeringRows } from "./steering.ts";
import { triggerResult, triggerRows, type TriggerRows } from "./trigger.ts";

export { parseSettings, type Settings } from "./settings.ts";
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
export function analysisSettings(config: Pick<AnalysesConfig, "analyses">): Partial<Settings> {
  const out: Partial<Record<AnalysisName, unknown>> = {};
  const a = (config.analyses ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(SETTINGS) as AnalysisName[]) {
    const s = parseSettings(name, a[name]);
    if (s) out[name] = s;
  }
  return out as Partial<Settings>;
}

function wants(name: AnalysisName, s: { models: string[] }, ref: ModelRef): boolean {
  if (!s.models.includes(ref.role)) return false;
  return name !== "steering" || ref.mechanism === "cot";
}

export async function runAnalyses(runDir: string, results: Results, config: AnalysesConfig, opts: AnalysesOptions = {}): Promise<Analyses> {
  const progress = opts.progress ?? new Progress("analyses");
  const settings = analysisSettings(config);
  const names = Object.keys(settings) as AnalysisName[];
  if (names.length === 0) return {};
  const { models, missing } = runModels(runDir, results);
  for (const m of missing) progress.log(`analyses: stage ${m} has no model checkpoint, skipped`);
  for (const task of new Set(results.cells.map((c) => c.task))) await loadScorers(task);
  const worldSeed = config.worldSeed ?? 0;
  const probes: ProbeOutcome[] = [], honey: HoneypotRow[] = [], persona: Record<string, unknown>[] = [];
  const steering: ReturnType<typeof steeringRows> = [], trigger: TriggerRows[] = [];
  const t0 = Date.now();
  for (const ref of models) {
    const todo = names.filter((n) => wants(n, settings[n]!, ref));
    if (todo.length === 0) continue;
    const t = Date.now();
    await withModel(ref, (ck) => {
      const ctx: ModelCtx = { ref, model: ck.model, tok: ck.tokenizer, worldSeed: Number(ck.meta.worldSeed ?? worldSeed) };
      for (const n of todo) {
        if (n === "probes") probes.push(...probeRows(ctx, settings.probes!));
        else if (n === "honeypot") honey.push(...honeypotRows(ctx, settings.honeypot!));
        else if (n === "persona") persona.push(...personaRows(ctx, settings.persona!));
        else if (n === "steering") steering.push(...steeringRows(ctx, settings.steering!));
        else if (n === "trigger_generalization") trigger.push(...triggerRows(ctx, settings.trigger_generalization!));
      }
    });
    progress.log(`analyses: ${ref.label}: ${todo.join(", ")} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  const out: Analyses = {};
  if (settings.probes) {
    out.probes = probes.flatMap((p) => p.rows);
    out.probes_setup = probesInfo(probes, settings.probes);
    out.probe_controls = probeControls(probes, settings.probes);
  }
  if (settings.honeypot) out.honeypot = honeypotResult(honey, settings.honeypot);
  if (settings.persona) out.persona = personaResult(persona, settings.persona);
  if (settings.steering) {
    if (steering.length > 0) out.steering = steeringResult(steering, settings.steering);
    else progress.log("analyses: steering needs a cot model; this run has none, skipped");
  }
  if (settings.trigger_generalization) out.trigger_generalization = triggerResult(trigger, settings.trigger_generalization);
  progress.log(`analyses: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}
