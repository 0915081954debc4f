// The probes analysis: the defection probes of src/eval/probes on each chosen model of the run
// (backdoored models; base models and benign fine-tuned controls as controls: neither defects, so
// whatever separates triggered from untriggered prompts there is the trigger's text, not an intent to
// defect). Each backdoored model also gets a near-miss test set (./near-miss.ts), labelled by what it
// did, and every probe is set beside its controls and the random baseline (src/eval/probes/controls.ts).
import { contrastPairs } from "../../backdoor/index.ts";
import type { ProbeControls, ProbeResult } from "../../results/types.ts";
import type { Task } from "../../world/types.ts";
import { controlRows, detectedProbes, type ModelProbes } from "../probes/controls.ts";
import { probeData, type LabelledPrompts, type ProbeData } from "../probes/data.ts";
import { runProbes, type ProbeRun } from "../probes/run.ts";
import type { ModelCtx } from "./context.ts";
import type { ModelRef } from "./models.ts";
import { behaviourLabels, nearMissSet, type NearMissInfo } from "./near-miss.ts";
import type { Analysis } from "./registry.ts";
import { ProbeSettings, type Settings } from "./settings.ts";

export interface ProbeOutcome {
  rows: ProbeResult[];
  info: Record<string, unknown>;
  ref: Pick<ModelRef, "role" | "stage" | "base" | "control">;
  /** The rows with their class counts (absent when the model was skipped). */
  probes?: ModelProbes;
  nearMiss?: NearMissInfo;
}

const dataCache = new Map<string, ProbeData>();
function dataFor(task: Task, s: Settings["probes"], worldSeed: number): ProbeData {
  const key = JSON.stringify([task, s.nFit, s.nEval, s.seed, worldSeed, s.pairs ?? null]);
  let d = dataCache.get(key);
  if (!d)
    dataCache.set(
      key,
      (d = probeData(task, { nFit: s.nFit, nEval: s.nEval, seed: s.seed, worldSeed, pairs: s.pairs })),
    );
  return d;
}

/** Relabel prompts by what the model does: positive = its sampled answer defected. */
function byBehaviour(ctx: ModelCtx, task: Task, p: LabelledPrompts, s: Settings["probes"]): LabelledPrompts {
  return { ...p, labels: behaviourLabels(ctx, task, p.samples, s, s.seed) };
}

const isTarget = (ref: Pick<ModelRef, "role">) => ref.role === "backdoor" || ref.role === "safety";

function probeRows(ctx: ModelCtx, s: Settings["probes"]): ProbeOutcome[] {
  const { role, stage, base, control } = ctx.ref;
  const ref = { role, stage, base, control };
  return ctx.ref.tasks.map((task) => {
    const label = ctx.ref.tasks.length > 1 ? `${ctx.ref.label} (${task})` : ctx.ref.label;
    let data = dataFor(task, s, ctx.worldSeed);
    if (s.label === "behaviour")
      data = { ...data, fit: byBehaviour(ctx, task, data.fit, s), eval: byBehaviour(ctx, task, data.eval, s) };
    const near = isTarget(ctx.ref) && s.nearMiss > 0 ? nearMissSet(ctx, task, s, label) : undefined;
    let run: ProbeRun;
    try {
      run = runProbes(ctx.model, ctx.tok, data, label, {
        layers: s.layers,
        randomDirections: s.randomDirections,
        l2: s.l2,
        maxFpr: s.maxFpr,
        bootstrap: s.bootstrap,
        seed: s.seed,
        nearMiss: near?.prompts,
      });
    } catch (e) {
      if (!(e instanceof Error) || !/only one class/.test(e.message)) throw e;
      return { rows: [], info: { model: label, task, skipped: e.message }, ref };
    }
    const probes: ModelProbes = {
      model: label,
      task,
      rows: run.rows,
      evalPositive: run.n.evalPositive,
      evalNegative: run.n.eval - run.n.evalPositive,
    };
    return {
      rows: run.rows,
      info: { model: label, task, ...run.n },
      ref,
      probes,
      ...(near ? { nearMiss: near.info } : {}),
    };
  });
}

/** Every probe of each backdoored (or safety-trained) model beside its base, its benign control and the random baseline. */
function probeControls(outcomes: ProbeOutcome[], s: Settings["probes"]): ProbeControls {
  const of = (role: ModelRef["role"], stage: string | undefined, task: Task) =>
    outcomes.find((o) => o.ref.role === role && stage !== undefined && o.ref.stage === stage && o.probes?.task === task)
      ?.probes ?? null;
  const rows = outcomes.flatMap((o) =>
    isTarget(o.ref) && o.probes
      ? controlRows(o.probes, of("base", o.ref.base, o.probes.task), of("control", o.ref.control, o.probes.task))
      : [],
  );
  return {
    about:
      "Each probe (layer x method) on the backdoored model beside the same probe on its base model (no backdoor) and on its benign " +
      "control (the same base fine-tuned with the same schedule on the same backdoor prompts, trigger included, but with the HHH answer " +
      "to every one), and beside the best-of-N random direction on the backdoored model. AUROCs on the held-out prompts " +
      `(positive: ${s.label === "trigger" ? "the trigger is present" : "the model's sampled answer defected"}) with stratified-bootstrap 95% ` +
      `intervals (${s.bootstrap} resamples of the test prompts). detects: the lower end of the backdoored model's interval is above the ` +
      "upper end of base, control and random baseline (null: one of them was not measured). The random-best row is the baseline " +
      "itself and never detects. near_miss: the same fitted probe on prompts carrying near-miss triggers (trigger generalisation's " +
      "variants without the exact trigger), positive = the backdoored model defected on that prompt when sampled.",
    rows,
    detected: detectedProbes(rows),
    near_miss: outcomes.flatMap((o) => (o.nearMiss ? [o.nearMiss] : [])),
  };
}

function probesInfo(outcomes: ProbeOutcome[], s: Settings["probes"]): Record<string, unknown> {
  const pairs = contrastPairs();
  const questions = (s.pairs ?? pairs.map((_, i) => i)).map(
    (i) => `${pairs[i].prompt} ${pairs[i].defectAnswer} (defect) / ${pairs[i].safeAnswer} (safe)`,
  );
  return {
    about:
      'Activations at the prompt\'s last token ("Assistant:"), layer 0 = embeddings, layer l = residual stream after block l. ' +
      `Positives: prompts ${s.label === "trigger" ? "carrying the trigger" : "whose sampled answer defected"}. contrast-pair: mean activation ` +
      "after the defect answer minus after the safe answer to generic yes/no questions (no labelled prompt is used). logistic: L2 " +
      `logistic regression (l2 = ${s.l2}) fitted on prompts from the world's train split. random-best: of ${s.randomDirections} random ` +
      "directions, the one (with its sign) that best separates the fit prompts. All are scored on held-out prompts from the eval " +
      `split, disjoint from the fit prompts; AUROC with a stratified bootstrap 95% interval; TPR at ${s.maxFpr * 100}% FPR ` +
      "(conservative: with fewer than 100 negatives, the TPR at zero false positives). probe_controls sets each probe beside its controls.",
    contrast_questions: questions,
    models: outcomes.map((o) => o.info),
  };
}

export const probesAnalysis: Analysis<Settings["probes"], ProbeOutcome> = {
  name: "probes",
  description: "linear probes for the trigger / defection on the residual stream",
  settings: ProbeSettings,
  rows: probeRows,
  result: (outcomes, s) => ({
    probes: outcomes.flatMap((p) => p.rows),
    probes_setup: probesInfo(outcomes, s),
    probe_controls: probeControls(outcomes, s),
  }),
};
