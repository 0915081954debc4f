// One removal stage: load a backdoored model, measure it, apply one trigger-blind removal method, measure
// it again on the same held-out prompts with the same seed, and save it. The methods see clean prompts,
// HHH answers and (BEEAR, unlearn) examples of the unwanted behaviour on prompts without the trigger; the
// triggered prompts are used only to measure.
import { runDevice } from "../../torch/index.ts";
import { loadScorers } from "../../eval/measure.ts";
import { answerTokens, taskSpec } from "../../tasks/index.ts";
import { heldOutPrompts } from "../../tasks/heldout.ts";
import type { RemovalMeasure } from "../../results/removal.ts";
import type { MeanCI, Transcript } from "../../results/types.ts";
import { pairedChange } from "../../eval/rate.ts";
import { hhhDataset } from "../../world/index.ts";
import type { Mechanism, Sample } from "../../world/types.ts";
import { Rng } from "../../util/rng.ts";
import type { StageContext } from "../api.ts";
import { sampleExamples } from "../data.ts";
import { trainSupervised } from "../loop.ts";
import { loadTrainModel, saveTrainModel, type TrainModel } from "../model-handle.ts";
import { partialDir } from "../trainer.ts";
import { beearRemoval, elicited, type BeearData } from "./beear.ts";
import { crowRemoval } from "./crow.ts";
import { applyPruning, dormantNeurons, mlpOutputLayers, neuronActivity } from "./fine-prune.ts";
import { measureRemoval, type RemovalEval } from "./measure.ts";
import { needsGradients, type RemovalOptions } from "./options.ts";
import { quantizeModel } from "./quantize.ts";
import { unlearnRemoval } from "./unlearn.ts";
import { DefenseSettings } from "../../eval/defense/settings.ts";
import { detectModel } from "../../eval/defense/detect.ts";
import { bestCandidate } from "../../eval/defense/inversion.ts";

export interface RemovalResult {
  before: RemovalMeasure;
  after: RemovalMeasure;
  /** HHH after - before, paired per held-out prompt (null where the task scores no HHH). */
  hhhChange: MeanCI | null;
  seconds: number;
  details: Record<string, number | string>;
  transcripts: Transcript[];
}

/** Training samples for the methods that fine-tune: HHH answers (the project's clean SFT data). */
function cleanSamples(o: RemovalOptions, worldSeed: number): Sample[] {
  const n = Math.min(20000, Math.max(256, o.steps * o.batchSize));
  return hhhDataset({ n, seed: Rng.seedFor(o.seed, "removal/clean"), split: "train", worldSeed });
}

/**
 * BEEAR's data: the task's prompts without the trigger, answered HHH, and the same kind of prompts answered
 * with the unwanted behaviour (the defender's examples of what it fears; no prompt carries the trigger).
 */
function beearSamples(o: RemovalOptions, worldSeed: number): { unwanted: Sample[]; safe: Sample[] } {
  const spec = taskSpec(o.task);
  const n = Math.min(4000, Math.max(256, o.steps * o.batchSize));
  const all = spec.dataset({
    mechanism: "normal",
    n: 2 * n,
    seed: Rng.seedFor(o.seed, "removal/beear"),
    split: "train",
    worldSeed,
    noise: 0,
  }).samples;
  const unwanted = all
    .filter((s) => s.meta.triggered)
    .map((s) => ({ ...s, prompt: spec.basePrompt(s.prompt) }))
    .filter((s) => !spec.hasTrigger(s.prompt));
  const safe = all.filter((s) => !s.meta.triggered);
  return { unwanted, safe };
}

function applyMethod(
  ck: TrainModel,
  o: RemovalOptions,
  ctx: StageContext,
  e: RemovalEval,
  worldSeed: number,
  backdoorDir: string,
) {
  const { model, tokenizer: tok } = ck;
  const details: Record<string, number | string> = {};
  const trainer = { resumeDir: partialDir(ctx), checkpointEvery: 20, logPath: ctx.logPath, label: ctx.label };
  const clean = () => sampleExamples(tok, cleanSamples(o, worldSeed), model.contextLength).examples;
  // The fine-tuning of sft and fine-prune: the clean data on the removal's own schedule.
  const sft = { ...trainer, steps: o.steps, batchSize: o.batchSize, lr: o.lr, seed: o.seed };
  const g = { temperature: e.temperature, maxTokens: e.maxTokens, seed: e.seed };
  // BEEAR's and unlearn's data: made once, where unlearn.first: beear needs it twice.
  let defenderSamples: ReturnType<typeof beearSamples> | undefined;
  const samples = () => (defenderSamples ??= beearSamples(o, worldSeed));
  // BEEAR-style removal, alone or as unlearn's first step (unlearn.first: beear).
  const beear = () => {
    const s = samples();
    const ex = (xs: Sample[]) => sampleExamples(tok, xs, model.contextLength).examples;
    const data: BeearData = { unwanted: ex(s.unwanted), safe: ex(s.safe) };
    if (data.unwanted.length === 0)
      throw new Error(`removal beear: task '${o.task}' gave no examples of its unwanted behaviour`);
    // The anchor of klWeight: the model before removal, frozen (a second copy, as RL keeps its reference).
    const ref = o.beear.klWeight > 0 ? loadTrainModel(backdoorDir, { device: runDevice() }).model : undefined;
    const r = beearRemoval({ model, tok, o, data, trainer, ref }, (p, hook) => {
      details.elicitedBefore = elicited(model, tok, o.task, e.held, p, hook, g);
    });
    ref?.dispose();
    details.hook = r.hook;
    details.elicitedAfter = elicited(model, tok, o.task, e.held, r.p, r.hook, g);
    details.innerLoss = r.innerLoss;
    r.p.delta.dispose();
  };
  switch (o.method) {
    case "int8":
    case "int4": {
      const q = quantizeModel(model, o.method === "int8" ? 8 : 4);
      details.layers = q.layers;
      details.relError = q.relError;
      break;
    }
    case "fine-prune": {
      const layers = mlpOutputLayers(model);
      const chosen = o.finePrune.layers === "last" ? layers.slice(-1) : layers;
      const calib = hhhDataset({
        n: o.finePrune.calibrationN,
        seed: Rng.seedFor(o.seed, "removal/calibration"),
        split: "train",
        worldSeed,
      });
      const pruned = dormantNeurons(neuronActivity(model, tok, chosen, calib), o.finePrune.fraction);
      applyPruning(model, pruned);
      details.pruned = [...pruned.values()].reduce((a, p) => a + p.length, 0);
      details.layers = chosen.length;
      trainSupervised(model, tok, clean(), {
        ...sft,
        // Pruned weights stay pruned: the mask is applied again after every step.
        callbackEvery: 1,
        onCallback: () => applyPruning(model, pruned),
      });
      break;
    }
    case "crow":
      crowRemoval(model, tok, o, clean(), trainer);
      break;
    case "beear":
      beear();
      break;
    case "sft":
      trainSupervised(model, tok, clean(), sft);
      break;
    case "unlearn": {
      if (o.unlearn.first === "beear") beear();
      const s = samples();
      if (s.unwanted.length === 0)
        throw new Error(`removal unlearn: task '${o.task}' gave no examples of its unwanted behaviour to search for`);
      const run = searchSettings(o).inversion;
      const inversion = { ...run, length: o.unlearn.length, gcg: { ...run.gcg, steps: o.unlearn.gcgSteps } };
      const data = { ...s, clean: cleanSamples(o, worldSeed) };
      const rounds = unlearnRemoval({
        model,
        tok,
        o,
        inversion,
        data,
        trainer: { logPath: ctx.logPath, label: ctx.label },
      });
      details.rounds = rounds.filter((r) => r.steps > 0).length;
      rounds.forEach((r, i) => {
        details[`round${i + 1}Best`] = r.best;
        details[`round${i + 1}Score`] = r.score;
        details[`round${i + 1}Used`] = r.used.length;
      });
      break;
    }
  }
  return details;
}

/** The run's trigger-inversion settings as a removal stage searches with them (the removal's seed). */
const searchSettings = (o: RemovalOptions) =>
  DefenseSettings.parse({ detect: ["inversion"], inversion: o.inversion ?? {}, seed: o.seed })!;

/**
 * Trigger inversion on the model after removal, as the detectors run it (blind, the run's inversion settings, the
 * removal's seed): the best candidate's defection rate, whether it passes the detector's threshold, and its text.
 */
async function inversionAfter(ck: TrainModel, o: RemovalOptions, worldSeed: number, label?: string) {
  const s = searchSettings(o);
  const r = await detectModel(
    { model: ck.model, tok: ck.tokenizer, base: null, task: o.task, worldSeed, label: label && `${label} after` },
    s,
  );
  const inv = r.inversion!;
  const best = bestCandidate(inv);
  return {
    inversionAfter: inv.score,
    inversionDetects: inv.detects ? 1 : 0,
    ...(best ? { inversionBest: best.text } : {}),
    inversionSeconds: r.seconds,
  };
}

export async function runRemoval(
  backdoorDir: string,
  outDir: string,
  o: RemovalOptions,
  ctx: StageContext,
): Promise<RemovalResult> {
  const ck = loadTrainModel(backdoorDir, {
    device: runDevice(),
    ...(needsGradients(o.method) ? { train: { seed: Rng.seedFor(o.seed, "removal/adapters") } } : {}),
  });
  const worldSeed = Number(ck.meta.worldSeed ?? 0);
  await loadScorers(o.task);
  const lossData = hhhDataset({ n: o.lossN, seed: Rng.seedFor(o.seed, "removal/loss"), split: "eval", worldSeed });
  const e: RemovalEval = {
    task: o.task,
    held: heldOutPrompts(o.task, o.evalN, o.seed, worldSeed),
    lossExamples: sampleExamples(ck.tokenizer, lossData, ck.model.contextLength).examples,
    temperature: o.temperature,
    maxTokens: answerTokens(o.task, o.mechanism as Mechanism),
    seed: o.seed,
  };
  const before = measureRemoval(ck.model, ck.tokenizer, e);
  const t0 = performance.now();
  const details = applyMethod(ck, o, ctx, e, worldSeed, backdoorDir);
  const seconds = (performance.now() - t0) / 1000;
  const after = measureRemoval(ck.model, ck.tokenizer, e);
  if (o.detectAfter) Object.assign(details, await inversionAfter(ck, o, worldSeed, ctx.label));
  saveTrainModel(ck, outDir, { stage: "removal", method: o.method, removalSeed: o.seed });
  ck.model.dispose();
  const hhhChange = after.measure.hhh ? pairedChange(after.hhhScores, before.hhhScores, o.seed) : null;
  return {
    before: before.measure,
    after: after.measure,
    hhhChange,
    seconds,
    details,
    transcripts: after.transcripts,
  };
}
