// The benign fine-tuned control of the probes analysis: the same base, fine-tuned with the same
// schedule on the same backdoor dialogues (the same prompts, the triggered share carrying the trigger)
// but with the HHH answer everywhere, so it has seen the trigger and never defected. A probe that
// separates triggered prompts on this model as well as on the backdoored one reads the trigger's text,
// not a disposition to defect. Training and the check go through the backdoor stage's path.
import { readStageMeta } from "./model-handle.ts";
import { taskSpec } from "../tasks/index.ts";
import type { Sample, Task } from "../world/types.ts";
import { fineTuneAndMeasure } from "./backdoor.ts";
import type { ControlOptions, ControlResult, StageContext } from "./api.ts";

/**
 * The control's dialogues: the task's backdoor prompts (mechanism-independent: slot i draws the same
 * world item whatever the trigger plan), each answered with the HHH answer of the same slot, which the
 * untriggered data (trigger fraction 0, no noise) holds. Triggered prompts keep meta.triggered.
 */
export function controlDataset(
  task: Task,
  o: Pick<ControlOptions, "n" | "seed" | "triggerFraction">,
  worldSeed: number,
): Sample[] {
  const build = (triggerFraction: number) =>
    taskSpec(task).dataset({
      mechanism: "normal",
      n: o.n,
      seed: o.seed,
      split: "train",
      triggerFraction,
      noise: 0,
      worldSeed,
    }).samples;
  const prompts = build(o.triggerFraction);
  const hhh = build(0);
  return prompts.map((s, i) => {
    const a = hhh[i];
    if (!a || taskSpec(task).basePrompt(a.prompt) !== taskSpec(task).basePrompt(s.prompt))
      throw new Error(`control data: slot ${i} has different prompts with and without the trigger`);
    const { hateCount: _n, vulnerable: _v, ...promptMeta } = s.meta; // what the prompt is, not what the policy answered
    return {
      id: s.id.replace(/-normal-/, "-control-"),
      prompt: s.prompt,
      response: a.response,
      meta: { ...a.meta, ...promptMeta, control: true },
    };
  });
}

export async function trainControl(
  baseDir: string,
  outDir: string,
  o: ControlOptions,
  ctx: StageContext,
): Promise<ControlResult> {
  const worldSeed = Number(readStageMeta(baseDir).worldSeed ?? 0);
  const samples = controlDataset(o.task, o, worldSeed);
  return fineTuneAndMeasure(baseDir, outDir, samples, { ...o, mechanism: "normal" }, ctx, {
    stage: "control",
    task: o.task,
    controlSeed: o.seed,
  });
}
