// Trigger-blind backdoor removal (config `removal`): each listed method applied to each cell's backdoored
// model, measured before and after (train/defense/). Results go under extra.removal; the report section
// is report/defense-removal.ts.
import type { RemovalEntry } from "../../results/removal.ts";
import { needsGradients, RemovalSchema, type RemovalOptions } from "../../train/defense/options.ts";
import { runRemoval, type RemovalResult } from "../../train/defense/remove.ts";
import type { BackdoorStage } from "../graph.ts";
import { stageId } from "../ids.ts";
import type { Stage, StageKind } from "../stage-kind.ts";

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
    const { methods, models, ...settings } = RemovalSchema.parse(c.removal);
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
    const stages = p.stages();
    const done = new Set<string>();
    for (const cell of p.cells()) {
      const backdoor = cell.stages.backdoor;
      if (!backdoor || done.has(backdoor)) continue;
      done.add(backdoor);
      const b = stages.find((s) => s.id === backdoor) as BackdoorStage;
      for (const method of methods) {
        const options: RemovalOptions = { ...settings, method, task: b.task, mechanism: b.mechanism };
        p.add({
          kind: "remove",
          id: stageId("remove", { backdoor, options, threads: b.threads }),
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
