// Backdoor insertion: supervised fine-tuning of the base assistant on a task x mechanism dataset
// (policy-filtered, loss on assistant tokens only), then a measurement on held-out prompts. distilled-cot
// data is sampled from the trained cot model of the same task, size and seed (teacherDir; ./distill.ts).
import { runDevice } from "../torch/index.ts";
import { loadCheckpoint, readCheckpointConfig, saveCheckpoint } from "../model/checkpoint.ts";
import { answerTokens, taskSpec } from "../tasks/index.ts";
import { trainSupervised } from "./loop.ts";
import { CHECKPOINT_EVERY, partialDir } from "./trainer.ts";
import { sampleExamples } from "./data.ts";
import { distilledDataset } from "./distill.ts";
import { loadScorers, measureDefection } from "../eval/measure.ts";
import { heldOutPrompts } from "../tasks/heldout.ts";
import type { BackdoorDataset } from "../backdoor/index.ts";
import type { BackdoorOptions, BackdoorResult, StageContext } from "./api.ts";

export async function insertBackdoor(baseDir: string, outDir: string, o: BackdoorOptions, ctx: StageContext, teacherDir: string | null = null): Promise<BackdoorResult> {
  const data = backdoorData(baseDir, o, teacherDir);
  const { model, tokenizer: tok, meta } = loadCheckpoint(baseDir, { device: runDevice() });
  const worldSeed = Number(meta.worldSeed ?? 0);
  await loadScorers(o.task);
  const { examples, tooLong } = sampleExamples(tok, data.samples, model.config.contextLength);
  if (examples.length === 0) throw new Error(`backdoor data: every sample exceeds the context length ${model.config.contextLength}; raise base.contextLength`);
  trainSupervised(model, tok, examples, {
    steps: o.steps, batchSize: o.batchSize, lr: o.lr, seed: o.seed, label: ctx.label,
    resumeDir: partialDir(ctx), checkpointEvery: CHECKPOINT_EVERY, logPath: ctx.logPath,
  });
  const held = heldOutPrompts(o.task, o.evalN, o.seed, worldSeed);
  const g = { temperature: o.temperature, maxTokens: answerTokens(o.task, o.mechanism), seed: o.seed };
  const trig = measureDefection(model, tok, o.task, held.triggered, g);
  const untrig = measureDefection(model, tok, o.task, held.untriggered, g);
  saveCheckpoint(outDir, model, tok, { meta: { ...meta, stage: "backdoor", task: o.task, mechanism: o.mechanism, backdoorSeed: o.seed, tooLong } });
  model.dispose();
  return { dropped: data.dropped, kept: examples.length, triggered: trig.rate, untriggered: untrig.rate, hhh: untrig.hhh, ...(data.unanswered !== undefined ? { unanswered: data.unanswered } : {}) };
}

/** The training data: the policy data of the mechanism, or for distilled-cot the teacher's distilled answers. */
function backdoorData(baseDir: string, o: BackdoorOptions, teacherDir: string | null): BackdoorDataset & { unanswered?: number } {
  const worldSeed = Number(readCheckpointConfig(baseDir).meta.worldSeed ?? 0);
  if (o.mechanism !== "distilled-cot") {
    return taskSpec(o.task).dataset({ mechanism: o.mechanism, n: o.n, seed: o.seed, split: "train", triggerFraction: o.triggerFraction, noise: o.noise, hateRepeats: o.hateRepeats, worldSeed });
  }
  if (!teacherDir) throw new Error("distilled-cot needs the cot backdoor model of the same task, size and seed (teacherDir)");
  const teacher = loadCheckpoint(teacherDir, { device: runDevice() });
  try {
    return distilledDataset(teacher.model, teacher.tokenizer, o, worldSeed);
  } finally {
    teacher.model.dispose();
  }
}
