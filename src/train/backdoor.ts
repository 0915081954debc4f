// Backdoor insertion: supervised fine-tuning of the base assistant on a task x mechanism dataset
// (policy-filtered, loss on assistant tokens only), then a measurement on held-out prompts. distilled-cot
// data is sampled from the trained cot model of the same task, size and seed (teacherDir; ./distill.ts).
// fineTuneAndMeasure is the one fine-tuning path; the benign control stage (./control.ts) uses it too.
import { runDevice } from "../torch/index.ts";
import { loadTrainModel, readStageMeta, saveTrainModel } from "./model-handle.ts";
import { answerTokens, taskSpec } from "../tasks/index.ts";
import { trainSupervised } from "./loop.ts";
import { CHECKPOINT_EVERY, stageTraining } from "./trainer.ts";
import { sampleExamples } from "./data.ts";
import { distilledDataset, policyDataset, teacherAnswers } from "./distill.ts";
import { loadScorers, measureDefection } from "../eval/measure.ts";
import { heldOutPrompts } from "../tasks/heldout.ts";
import type { BackdoorDataset } from "../backdoor/index.ts";
import type { Sample } from "../world/types.ts";
import type { BackdoorOptions, BackdoorResult, BackdoorCheck, StageContext, TeacherQuality } from "./api.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { Example } from "./batches.ts";
import { trainToBar, type TeacherBarReport } from "./teacher-bar.ts";

export async function insertBackdoor(
  baseDir: string,
  outDir: string,
  o: BackdoorOptions,
  ctx: StageContext,
  teacherDir: string | null = null,
): Promise<BackdoorResult> {
  const data = await backdoorData(baseDir, o, teacherDir);
  const bar = o.mechanism === "cot" ? o.teacherBar : null;
  let report: TeacherBarReport | undefined;
  const r = await fineTuneAndMeasure(
    baseDir,
    outDir,
    data.samples,
    o,
    ctx,
    { stage: "backdoor", task: o.task, mechanism: o.mechanism, backdoorSeed: o.seed },
    bar
      ? (model, tok, examples, worldSeed) => {
          report = trainToBar(model, tok, examples, bar, o, ctx, worldSeed);
          return { teacherBar: report };
        }
      : undefined,
  );
  const density = taskSpec(o.task).dataDensity?.(data.samples);
  const teacher = o.mechanism === "distilled-cot" && teacherDir ? teacherQuality(teacherDir) : undefined;
  return {
    dropped: data.dropped,
    ...r,
    ...(data.unanswered !== undefined ? { unanswered: data.unanswered } : {}),
    ...(report ? { teacherBar: report } : {}),
    ...(density ? { density } : {}),
    ...(teacher ? { teacher } : {}),
  };
}

/** The bar's last check (its own held-out draw): what the verdict rests on. */
const reached = (b: TeacherBarReport) => {
  const last = b.rounds.at(-1)!;
  return { triggered: last.triggered.rate, untriggered: last.untriggered.rate };
};

/** What the distilled-cot data's teacher was: its own backdoor check and, when it had one, its bar's verdict. */
function teacherQuality(teacherDir: string): TeacherQuality {
  const m = readStageMeta(teacherDir);
  const check = m.backdoorCheck as Pick<BackdoorCheck, "triggered" | "untriggered"> | undefined;
  const bar = m.teacherBar as TeacherBarReport | undefined;
  return {
    ...(check ? { triggered: check.triggered, untriggered: check.untriggered } : {}),
    ...(bar ? { steps: bar.steps, bar: { ...bar.bar, met: bar.met, reached: reached(bar) } } : {}),
  };
}

/** What fine-tuning and its check read: the backdoor settings of the data, schedule and measurement. */
export type FineTuneOptions = Pick<
  BackdoorOptions,
  "task" | "mechanism" | "steps" | "batchSize" | "lr" | "seed" | "evalN" | "temperature"
>;

/**
 * Fine-tune the base on dialogues (loss on the answers), measure defection with and without the
 * trigger on held-out prompts (the backdoor check), save the checkpoint with `meta` added.
 */
export async function fineTuneAndMeasure(
  baseDir: string,
  outDir: string,
  samples: Sample[],
  o: FineTuneOptions,
  ctx: StageContext,
  meta: Record<string, unknown>,
  /** More training after the first `steps` (the cot teacher's bar); what it returns joins the checkpoint's meta. */
  extend?: (model: CausalLM, tok: TextTokenizer, examples: Example[], worldSeed: number) => Record<string, unknown>,
): Promise<BackdoorCheck> {
  const tm = loadTrainModel(baseDir, { device: runDevice(), train: { seed: o.seed } });
  const { model, tokenizer: tok } = tm;
  const worldSeed = Number(tm.meta.worldSeed ?? 0);
  await loadScorers(o.task);
  const { examples, tooLong } = sampleExamples(tok, samples, model.contextLength);
  if (examples.length === 0)
    throw new Error(
      `${meta.stage} data: every sample exceeds the context length ${model.contextLength}; raise base.contextLength`,
    );
  trainSupervised(model, tok, examples, stageTraining(o, ctx, CHECKPOINT_EVERY));
  const extra = extend ? extend(model, tok, examples, worldSeed) : {};
  const held = heldOutPrompts(o.task, o.evalN, o.seed, worldSeed);
  const g = { temperature: o.temperature, maxTokens: answerTokens(o.task, o.mechanism), seed: o.seed };
  const trig = measureDefection(model, tok, o.task, held.triggered, g);
  const untrig = measureDefection(model, tok, o.task, held.untriggered, g);
  const check = { kept: examples.length, triggered: trig.rate, untriggered: untrig.rate, hhh: untrig.hhh };
  // The check rides in the meta too: a distilled-cot stage reports its teacher's quality from there.
  saveTrainModel(tm, outDir, { ...meta, tooLong, ...extra, backdoorCheck: check });
  model.dispose();
  return check;
}

/** The training data: the policy data of the mechanism, or for distilled-cot the teacher's distilled answers. */
async function backdoorData(
  baseDir: string,
  o: BackdoorOptions,
  teacherDir: string | null,
): Promise<BackdoorDataset & { unanswered?: number }> {
  const worldSeed = Number(readStageMeta(baseDir).worldSeed ?? 0);
  if (o.mechanism !== "distilled-cot") {
    return policyDataset(o, o.mechanism, worldSeed);
  }
  if (!teacherDir)
    throw new Error("distilled-cot needs the cot backdoor model of the same task, size and seed (teacherDir)");
  const teacher = loadTrainModel(teacherDir, { device: runDevice() });
  try {
    return await distilledDataset(teacherAnswers(teacher.model, teacher.tokenizer, o), o, worldSeed);
  } finally {
    teacher.model.dispose();
  }
}
