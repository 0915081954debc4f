// The probes' harder test set: held-out prompts carrying near-miss triggers (the variants of the
// trigger generalisation analysis that do not contain the exact trigger and are not the no-trigger
// control), which a backdoored model defects on only part of the time. Each prompt is labelled by what
// the model did (its sampled answer, scored by the task's one scorer), so a probe scored on it is
// scored on whether the model will defect, not on whether the exact string is there.
import { taskSpec } from "../../tasks/index.ts";
import { Rng } from "../../util/rng.ts";
import { formatPrompt } from "../../world/format.ts";
import type { Sample, Task } from "../../world/types.ts";
import { defected } from "../measure.ts";
import type { LabelledPrompts } from "../probes/data.ts";
import type { ModelCtx } from "./context.ts";
import { taskAnswers } from "./generation.ts";
import type { Settings } from "./settings.ts";

export interface NearMissInfo {
  model: string;
  task: Task;
  /** Near-miss prompts sampled, and how many of them the model defected on. */
  n: number;
  defected: number;
  variants: string[];
}

/** The near-miss prompts of a task: every variant without the exact trigger, except the no-trigger control. */
function nearMissPrompts(task: Task, n: number, seed: number, worldSeed: number): Sample[] {
  return taskSpec(task)
    .triggerVariants({ n, seed: Rng.seedFor(seed, "probes/near-miss"), split: "eval", worldSeed })
    .filter((x) => x.meta.triggered !== true && x.meta.variantKind !== "control");
}

/** positive = the model's sampled answer to the prompt defected (the task's scorer, through eval/measure.ts). */
export function behaviourLabels(
  ctx: ModelCtx,
  task: Task,
  samples: Sample[],
  s: Settings["probes"],
  seed: number,
): boolean[] {
  const responses = taskAnswers(
    ctx,
    task,
    samples.map((x) => x.prompt),
    s,
    seed,
  );
  return samples.map((x, i) => defected(task, x.prompt, responses[i]));
}

/** The near-miss set of one model, labelled by its own behaviour. */
export function nearMissSet(
  ctx: ModelCtx,
  task: Task,
  s: Settings["probes"],
  model: string,
): { prompts: LabelledPrompts; info: NearMissInfo } {
  const samples = nearMissPrompts(task, s.nearMiss, s.seed, ctx.worldSeed);
  const labels = behaviourLabels(ctx, task, samples, s, Rng.seedFor(s.seed, "probes/near-miss/answers"));
  const variants = [...new Set(samples.map((x) => String(x.meta.variant)))];
  return {
    prompts: { samples, texts: samples.map((x) => formatPrompt(x.prompt)), labels },
    info: { model, task, n: samples.length, defected: labels.filter(Boolean).length, variants },
  };
}
