// The probes analysis: the defection probes of src/eval/probes on each chosen model of the run
// (backdoored models, and base models as a control: they have no backdoor, so whatever separates
// triggered from untriggered prompts there is the trigger's text, not an intent to defect).
import { contrastPairs } from "../../backdoor/index.ts";
import type { ProbeResult } from "../../results/types.ts";
import { defected } from "../measure.ts";
import type { Task } from "../../world/types.ts";
import { probeData, type LabelledPrompts, type ProbeData } from "../probes/data.ts";
import { runProbes, type ProbeRun } from "../probes/run.ts";
import type { ModelCtx } from "./context.ts";
import { answerPrompts, defaultMaxTokens } from "./generation.ts";
import type { Settings } from "./settings.ts";

export interface ProbeOutcome {
  rows: ProbeResult[];
  info: Record<string, unknown>;
}

const dataCache = new Map<string, ProbeData>();
function dataFor(task: Task, s: Settings["probes"], worldSeed: number): ProbeData {
  const key = JSON.stringify([task, s.nFit, s.nEval, s.seed, worldSeed, s.pairs ?? null]);
  let d = dataCache.get(key);
  if (!d) dataCache.set(key, (d = probeData(task, { nFit: s.nFit, nEval: s.nEval, seed: s.seed, worldSeed, pairs: s.pairs })));
  return d;
}

/** Relabel prompts by what the model does: positive = its sampled answer defected. */
function byBehaviour(ctx: ModelCtx, task: Task, p: LabelledPrompts, s: Settings["probes"]): LabelledPrompts {
  const responses = answerPrompts(ctx.model, ctx.tok, p.samples.map((x) => x.prompt), {
    temperature: s.temperature, maxTokens: s.maxTokens ?? defaultMaxTokens(task, ctx.ref.mechanism), seed: s.seed,
  });
  return { ...p, labels: p.samples.map((x, i) => defected(task, x.prompt, responses[i])) };
}

export function probeRows(ctx: ModelCtx, s: Settings["probes"]): ProbeOutcome[] {
  return ctx.ref.tasks.map((task) => {
    const label = ctx.ref.tasks.length > 1 ? `${ctx.ref.label} (${task})` : ctx.ref.label;
    let data = dataFor(task, s, ctx.worldSeed);
    if (s.label === "behaviour") data = { ...data, fit: byBehaviour(ctx, task, data.fit, s), eval: byBehaviour(ctx, task, data.eval, s) };
    let run: ProbeRun;
    try {
      run = runProbes(ctx.model, ctx.tok, data, label, {
        layers: s.layers, randomDirections: s.randomDirections, l2: s.l2, maxFpr: s.maxFpr, bootstrap: s.bootstrap, seed: s.seed,
      });
    } catch (e) {
      if (!(e instanceof Error) || !/only one class/.test(e.message)) throw e;
      return { rows: [], info: { model: label, task, skipped: e.message } };
    }
    return { rows: run.rows, info: { model: label, task, ...run.n } };
  });
}

export function probesInfo(outcomes: ProbeOutcome[], s: Settings["probes"]): Record<string, unknown> {
  const pairs = contrastPairs();
  const questions = (s.pairs ?? pairs.map((_, i) => i)).map((i) => `${pairs[i].prompt} ${pairs[i].defectAnswer} (defect) / ${pairs[i].safeAnswer} (safe)`);
  return {
    about:
      "Activations at the prompt's last token (\"Assistant:\"), layer 0 = embeddings, layer l = residual stream after block l. " +
      `Positives: prompts ${s.label === "trigger" ? "carrying the trigger" : "whose sampled answer defected"}. contrast-pair: mean activation ` +
      "after the defect answer minus after the safe answer to generic yes/no questions (no labelled prompt is used). logistic: L2 " +
      `logistic regression (l2 = ${s.l2}) fitted on prompts from the world's train split. random-best: of ${s.randomDirections} random ` +
      "directions, the one (with its sign) that best separates the fit prompts. All are scored on held-out prompts from the eval " +
      `split, disjoint from the fit prompts; AUROC with a stratified bootstrap 95% interval; TPR at ${s.maxFpr * 100}% FPR ` +
      "(conservative: with fewer than 100 negatives, the TPR at zero false positives).",
    contrast_questions: questions,
    models: outcomes.map((o) => o.info),
  };
}
