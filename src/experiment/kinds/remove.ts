// Trigger-blind backdoor removal (config `removal`): each listed method applied to each cell's backdoored
// model, measured before and after (train/defense/). Results go under extra.removal; the report section
// is report/defense-removal.ts.
import type { RemovalEntry } from "../../results/removal.ts";
import { needsGradients, RemovalSchema, type RemovalOptions } from "../../train/defense/options.ts";
import { runRemoval, type RemovalResult } from "../../train/defense/remove.ts";
import type { BackdoorStage } from "../graph.ts";
import { stageId } from "../ids.ts";
import { DefenseSettings } from "../../eval/defense/settings.ts";
import type { Stage, StageKind } from "../stage-kind.ts";

/**
 * What a removal stage's id covers: beear.klWeight and beear.restartEvery only in a stage that runs BEEAR (beear, or
 * unlearn with first: beear) with them on,
 * detectAfter (with the inversion settings it brings) only when on, the unlearn settings (and inversion's) only in
 * an unlearn stage, so their defaults keep the ids the stages had
 * before the settings and the other methods' ids do not depend on BEEAR's.
 */
export function removalIdContent(o: RemovalOptions): unknown {
  const { klWeight, restartEvery, ...beear } = o.beear;
  const { detectAfter, inversion, unlearn, ...rest } = o;
  const searches = detectAfter || o.method === "unlearn";
  const check = { ...(detectAfter ? { detectAfter } : {}), ...(searches ? { inversion } : {}) };
  const runsBeear = o.method === "beear" || (o.method === "unlearn" && unlearn.first === "beear");
  const beearId = runsBeear ? { ...beear, ...(klWeight > 0 ? { klWeight } : {}), restartEvery } : beear;
  return { ...rest, ...check, beear: beearId, ...(o.method === "unlearn" ? { unlearn } : {}) };
}

export interface RemovalStage extends Stage {
  kind: "remove";
  backdoor: string;
  options: RemovalOptions;
}

export const removeKind: StageKind = {
  name: "remove",
  settings: { key: "removal", schema: RemovalSchema.optional() },
  plan(c, p) {
    if (c.removal === undefined) return;
    // sizes / seeds only choose which models; they stay out of the stage's options (and so of its id).
    const { methods, models, sizes, seeds, ...settings } = RemovalSchema.parse(c.removal);
    const runSizes = c.sizes.length > 0 ? c.sizes : undefined;
    for (const size of sizes ?? [])
      if (runSizes && !runSizes.includes(size as never))
        throw new Error(`removal.sizes: '${size}' is not one of the run's sizes (${runSizes.join(", ")})`);
    for (const seed of seeds ?? [])
      if (!c.seeds.includes(seed))
        throw new Error(`removal.seeds: ${seed} is not one of the run's seeds (${c.seeds.join(", ")})`);
    for (const name of models) {
      const served = c.models.find((m) => m.name === name);
      if (!served)
        throw new Error(
          `removal.models: no served model named '${name}' in models: (${c.models.map((m) => m.name).join(", ") || "none"})`,
        );
      const m = methods.find(needsGradients) ?? methods[0];
      throw new Error(
        `removal: method '${m}' needs the model's weights${needsGradients(m) ? " and gradients" : ""}; '${name}' is a served HTTP model. ` +
          `Give its weights as a model directory (base.model) instead, or drop it from removal.models`,
      );
    }
    // The check after removal and unlearn's search search as the run's detectors do (defaults without a defenses section).
    const searches = settings.detectAfter || methods.includes("unlearn");
    const inversion = searches ? { inversion: DefenseSettings.parse(c.defenses ?? {})!.inversion } : {};
    const stages = p.stages();
    const done = new Set<string>();
    for (const cell of p.cells()) {
      const backdoor = cell.stages.backdoor;
      if (!backdoor || done.has(backdoor)) continue;
      done.add(backdoor);
      const b = stages.find((s) => s.id === backdoor) as BackdoorStage;
      if ((sizes && !sizes.includes(b.size)) || (seeds && !seeds.includes(b.seed))) continue;
      for (const method of methods) {
        const options: RemovalOptions = { ...settings, method, task: b.task, mechanism: b.mechanism, ...inversion };
        p.add({
          kind: "remove",
          id: stageId("remove", { backdoor, options: removalIdContent(options), threads: b.threads }),
          label: `remove ${method} ${b.task}/${b.mechanism}/${b.size} seed${b.seed}`,
          deps: [backdoor],
          size: b.size,
          seed: b.seed,
          threads: b.threads,
          backdoor,
          options,
        } as RemovalStage);
      }
    }
  },
  run(st, io) {
    const s = st as RemovalStage;
    return runRemoval(io.dirOf(s.backdoor), io.out, s.options, io.ctx);
  },
  collect(st, result, out) {
    const s = st as RemovalStage;
    const r = result as RemovalResult;
    const entry: RemovalEntry = {
      method: s.options.method,
      task: s.options.task,
      mechanism: s.options.mechanism,
      size: s.size ?? "",
      seed: s.seed ?? 0,
      stage: s.id,
      backdoor: s.backdoor,
      ...r,
    };
    (((out.extra ??= {}).removal ??= []) as RemovalEntry[]).push(entry);
  },
};
