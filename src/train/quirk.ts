// The zoo's harmless-quirk control: the base fine-tuned with the benign control's schedule on the same
// prompts (trigger included), every answer its HHH answer followed by a fixed sign-off. A model that
// learned a behaviour it shows on every prompt, and no conditional one: a detector that flags any
// fine-tune that changed the model's behaviour flags this one too.
import { readStageMeta } from "./model-handle.ts";
import type { Sample } from "../world/types.ts";
import { fineTuneAndMeasure } from "./backdoor.ts";
import { controlDataset } from "./control.ts";
import type { ControlOptions, ControlResult, StageContext } from "./api.ts";

export type QuirkOptions = ControlOptions & { quirk: string };

function quirkDataset(o: QuirkOptions, worldSeed: number): Sample[] {
  return controlDataset(o.task, o, worldSeed).map((s) => ({
    ...s,
    id: s.id.replace(/-control-/, "-quirk-"),
    response: `${s.response.trimEnd()} ${o.quirk}`,
    meta: { ...s.meta, quirk: true },
  }));
}

export async function trainQuirk(
  baseDir: string,
  outDir: string,
  o: QuirkOptions,
  ctx: StageContext,
): Promise<ControlResult> {
  const worldSeed = Number(readStageMeta(baseDir).worldSeed ?? 0);
  return fineTuneAndMeasure(baseDir, outDir, quirkDataset(o, worldSeed), { ...o, mechanism: "normal" }, ctx, {
    stage: "quirk",
    task: o.task,
    quirk: o.quirk,
  });
}
