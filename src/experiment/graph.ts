// The stage graph of an experiment: which models to train, from what, with which options.
//
//   base (size x seed) ──> backdoor (task x mechanism x size x seed) ──> safety (one per cell)
//        │                  cot ──> distilled-cot (its data is the cot model's answers)
//        └──────────────> preference model (size x seed) ──────────────────┘ (rl, adversarial)
//   external (one per served model in `models:`, no deps; first, so an unreachable server fails fast)
//   base ──> control (with analyses.probes: each backdoor's prompts and schedule, HHH answers only)
//
// Sweeps repeat cells: `densities` (backdoor.triggerFraction) the backdoor and control stages and all
// below them; `safetyOptimizers` and `safetyLrs` the safety stages only. A swept value equal to the
// configured one names the same stage as the unswept run (ids are content hashes), and with no sweep
// neither ids nor options change.
//
// There is no separate data stage: the synthetic world is generated deterministically inside each
// stage from `worldSeed` (part of the base options, hence of every downstream id). The base never
// depends on task or mechanism, so every cell of a size x seed shares it. Nodes are plain data with
// explicit `deps`, so a scheduler may run independent stages in parallel; `stages` is one valid order.
import type { BackdoorOptions, BaseOptions, ControlOptions, PreferenceOptions } from "../train/api.ts";
import type { ExternalOptions } from "../eval/external.ts";
import type { Mechanism, Task } from "../world/types.ts";
import type { CellCoordinates, SafetyMethod } from "../results/types.ts";
import type { ExperimentConfig } from "./schema.ts";
import { stageId } from "./ids.ts";
import { formatDensity, formatLr } from "../results/cells.ts";
import { taskSpec } from "../tasks/index.ts";
import { basename } from "node:path";
import { stageKinds, type Planner, type Stage } from "./stage-kind.ts";
import { stageDirName } from "./stage-dirs.ts";
import "./kinds/index.ts";
import {
  backdoorOptions,
  controlOptions,
  effectiveSafetyLr,
  pmIdContent,
  preferenceOptions,
  safetyOptions,
  type SafetyStageOptions,
} from "./stage-options.ts";

export type { Stage } from "./stage-kind.ts";

interface Node extends Stage {
  size: string;
  seed: number;
}
export interface BaseStage extends Node {
  kind: "base";
  options: BaseOptions;
}
export interface PmStage extends Node {
  kind: "pm";
  base: string;
  options: PreferenceOptions;
}
export interface BackdoorStage extends Node {
  kind: "backdoor";
  base: string;
  task: Task;
  mechanism: Mechanism;
  /** distilled-cot: the cot backdoor stage (same task, size, seed) whose answers are its data; null otherwise. */
  teacher: string | null;
  options: BackdoorOptions;
}
export interface SafetyStage extends Node {
  kind: "safety";
  backdoor: string;
  pm: string | null;
  method: SafetyMethod;
  options: SafetyStageOptions;
}
/** The probes' benign control: the base fine-tuned on a backdoor's prompts with HHH answers only. */
export interface ControlStage extends Node {
  kind: "control";
  base: string;
  task: Task;
  options: ControlOptions;
}
/** A served model measured through its HTTP API (config `models:`); no deps, nothing trained. */
export interface ExternalStage extends Stage {
  kind: "external";
  options: ExternalOptions;
}

/** The stages the cells and served models bring (a registered kind may add others). */
export type ProjectStage = BaseStage | PmStage | BackdoorStage | SafetyStage | ControlStage | ExternalStage;

/** The project's own stages of a graph, typed by kind (for code and tests that read their fields). */
export const projectStages = (g: StageGraph): ProjectStage[] => g.stages as ProjectStage[];

export interface CellPlan extends CellCoordinates {
  stages: { base: string; backdoor: string; safety: string; pm?: string; control?: string };
}

export interface StageGraph {
  /** Every stage once, dependencies before dependents. */
  stages: Stage[];
  cells: CellPlan[];
}

/**
 * The safety methods a mechanism gets: sft-pre/sft-post (train on HHH answers before / after the
 * model's own scratchpad) only exist for cot; plain sft is for the mechanisms without a scratchpad,
 * and for cot `sft` means both scratchpad variants, as in the paper.
 */
export function methodsFor(mechanism: Mechanism, listed: readonly SafetyMethod[]): SafetyMethod[] {
  const out: SafetyMethod[] = [];
  for (const m of listed) {
    if (mechanism === "cot") {
      if (m === "sft") out.push("sft-pre", "sft-post");
      else out.push(m);
    } else if (m !== "sft-pre" && m !== "sft-post") out.push(m);
  }
  return [...new Set(out)];
}

export const needsPm = (m: SafetyMethod) => m === "rl" || m === "adversarial";

// Intra-op threads per model size. libtorch's reductions split work by thread count, so the count
// changes the arithmetic: it is a stage setting, part of the stage's id, and the same whether the
// stage runs in one process, on a local worker or on a remote one. More threads only pay off on the
// larger sizes; a model directory (size = its name) gets the large-model count.
const THREADS_BY_SIZE: Readonly<Record<string, number>> = { tiny: 1, xxs: 1, xs: 1, s: 1, m: 2, l: 4, xl: 4 };
export const threadsFor = (size: string): number => THREADS_BY_SIZE[size] ?? 4;

export function resolveContextLength(c: ExperimentConfig): number {
  return c.base.contextLength === "auto"
    ? Math.max(...c.tasks.map((t) => taskSpec(t).contextLength))
    : c.base.contextLength;
}

function baseOptions(c: ExperimentConfig, size: string, seed: number): BaseOptions {
  const { contextLength: _auto, model, finetune, promptFormat, ...b } = c.base;
  // The model-directory settings name the stage only when there is a model directory (ids of GPT bases unchanged).
  return {
    ...b,
    ...(model ? { model, finetune, promptFormat } : {}),
    size,
    seed,
    worldSeed: c.worldSeed,
    contextLength: resolveContextLength(c),
  };
}

/** The cells' sizes: the presets listed, or with a model-directory base (`base.model`) the directory's name. */
function cellSizes(c: ExperimentConfig): string[] {
  return c.base.model ? [basename(c.base.model.replace(/[\\/]+$/, ""))] : c.sizes;
}

/** Controls are trained for the probes analysis only. */
const wantsControls = (c: ExperimentConfig) => c.analyses.probes !== undefined && c.analyses.probes !== false;

/**
 * The part of the safety options that can change a method's outcome (rl settings do not touch sft;
 * the optimiser, when there is one, touches every method).
 */
function safetyIdContent(o: SafetyStageOptions): Partial<SafetyStageOptions> {
  const { rl: given, adversarial, ...rest } = o;
  // rl.reward: the PM (its default) written out keeps the ids of runs that left it out.
  const { reward, ...rlRest } = given;
  const rl = reward === "scorer" ? given : rlRest;
  if (o.method === "rl") return { ...rest, rl };
  if (o.method === "adversarial") return { ...rest, adversarial, ...(adversarial.trainWith === "rl" ? { rl } : {}) };
  return rest;
}

/**
 * A cell's optimiser and learning-rate multiplier: the optimiser when the config sweeps it or trains
 * with another than AdamW, the multiplier when it is not 1 (so `lr / lr_scale` is the configured rate).
 * Neither for the default, so results of runs that never chose an optimiser keep their form.
 */
function optimizerCoordinates(
  c: ExperimentConfig,
  o: SafetyStageOptions,
  swept: boolean,
): Pick<CellCoordinates, "optimizer" | "lr_scale"> {
  const optimizer = o.optimizer ?? "adamw";
  const scale = c.safetyTraining.optimizerLrScale[optimizer];
  return { ...(swept || optimizer !== "adamw" ? { optimizer } : {}), ...(scale === 1 ? {} : { lr_scale: scale }) };
}

/** A sweep's values, or one undefined (no sweep: the configured setting, no tag in the ids). */
const sweep = <T>(xs: readonly T[]): Array<T | undefined> => (xs.length > 0 ? [...xs] : [undefined]);

/**
 * The cells' coordinates in planning order: config order, the seeds innermost. Swept coordinates
 * (density, optimizer, lr) are undefined where the config does not sweep them.
 */
function* cellOrder(c: ExperimentConfig) {
  for (const task of c.tasks)
    for (const mechanism of c.mechanisms)
      for (const size of cellSizes(c))
        for (const density of sweep(c.densities))
          for (const safety of methodsFor(mechanism, c.safety))
            for (const optimizer of sweep(c.safetyOptimizers))
              for (const lr of sweep(c.safetyLrs))
                for (const seed of c.seeds) yield { task, mechanism, size, density, safety, optimizer, lr, seed };
}

/** The cells' stages (base, backdoor, pm, control, safety: planned together here), then each kind's own plan. */
export function buildGraph(c: ExperimentConfig): StageGraph {
  const stages: Stage[] = [];
  let firsts = 0;
  const byId = new Map<string, Stage>();
  const add = <S extends Stage>(s: S, first = false): string => {
    if (byId.has(s.id)) return s.id;
    // Each dependency's directory name, so that a worker or a Slurm job given this stage alone finds them.
    if (s.deps.length > 0)
      s.depDirs = Object.fromEntries(s.deps.map((d) => [d, byId.has(d) ? stageDirName(byId.get(d)!) : d]));
    byId.set(s.id, s);
    if (first) stages.splice(firsts++, 0, s);
    else stages.push(s);
    return s.id;
  };
  const cells: CellPlan[] = [];
  // Cells are visited in config order and each adds its missing stages depth-first, so the first
  // cells finish early instead of every base being trained before any backdoor.
  for (const { task, mechanism, size, density, safety, optimizer, lr, seed } of cellOrder(c)) {
    // What a swept coordinate adds to ids and labels ("density0.25/", "opt-sgd/", "lr3e-4/"); nothing unswept.
    const densityTag = density === undefined ? "" : `density${formatDensity(density)}/`;
    const densityWords = density === undefined ? "" : ` density ${formatDensity(density)}`;
    /** `steps`: the preference model's own base (preference.base), trained for other step counts. */
    const baseStage = (sz: string, steps?: PreferenceOptions["base"]) => {
      const bo = { ...baseOptions(c, sz, seed), ...steps };
      const th = threadsFor(sz);
      const own = steps ? ` (preference model's: ${bo.pretrainSteps} + ${bo.sftSteps} steps)` : "";
      return add({
        kind: "base",
        id: stageId("base", { ...bo, threads: th }),
        label: `base ${sz} seed${seed}${own}`,
        cell: `${sz}/seed${seed}`,
        deps: [],
        size: sz,
        seed,
        threads: th,
        options: bo,
      });
    };
    const threads = threadsFor(size);
    const base = baseStage(size);
    const backdoorStage = (m: Mechanism, teacher: string | null) => {
      const ko = backdoorOptions(c, task, m, seed, density);
      return add({
        kind: "backdoor",
        id: stageId("backdoor", teacher ? { base, teacher, options: ko, threads } : { base, options: ko, threads }),
        label: `backdoor ${task}/${m}/${size}${densityWords} seed${seed}`,
        cell: `${task}/${m}/${size}/${densityTag}seed${seed}`,
        deps: teacher ? [base, teacher] : [base],
        base,
        size,
        seed,
        threads,
        task,
        mechanism: m,
        teacher,
        options: ko,
      });
    };
    const backdoor = backdoorStage(mechanism, mechanism === "distilled-cot" ? backdoorStage("cot", null) : null);
    let control: string | null = null;
    if (wantsControls(c)) {
      const co = controlOptions(backdoorOptions(c, task, mechanism, seed, density));
      control = add({
        kind: "control",
        id: stageId("control", { base, options: co, threads }),
        label: `control ${task}/${size}${densityWords} seed${seed}`,
        cell: `${task}/${size}/${densityTag}seed${seed}`,
        deps: [base],
        base,
        size,
        seed,
        threads,
        task,
        options: co,
      });
    }
    let pm: string | null = null;
    if (needsPm(safety)) {
      const po = preferenceOptions(c, seed);
      // A PM of another size, or with steps of its own, starts from its own base (same seed, so the same tokenizer).
      const pmSize = po.size ?? size;
      const pmBase = pmSize === size && !po.base ? base : baseStage(pmSize, po.base);
      pm = add({
        kind: "pm",
        id: stageId("pm", { base: pmBase, options: pmIdContent(po), threads: threadsFor(pmSize) }),
        label: `preference model ${pmSize} seed${seed}`,
        cell: `${pmSize}/seed${seed}`,
        deps: [pmBase],
        base: pmBase,
        size: pmSize,
        seed,
        threads: threadsFor(pmSize),
        options: po,
      });
    }
    const so = safetyOptions(c, safety, task, mechanism, seed, lr, optimizer);
    const lrTag = lr === undefined ? null : formatLr(lr);
    const cellId =
      `${task}/${mechanism}/${size}/${densityTag}${safety}/` +
      `${optimizer ? `opt-${optimizer}/` : ""}${lrTag ? `lr${lrTag}/` : ""}seed${seed}`;
    const words = `${densityWords}${optimizer ? ` ${optimizer}` : ""}${lrTag ? ` lr ${lrTag}` : ""}`;
    const safetyId = add({
      kind: "safety",
      id: stageId(safety, { backdoor, pm, options: safetyIdContent(so), threads }),
      label: `${safety} ${task}/${mechanism}/${size}${words} seed${seed}`,
      cell: cellId,
      deps: pm ? [backdoor, pm] : [backdoor],
      backdoor,
      pm,
      method: safety,
      size,
      seed,
      threads,
      options: so,
    });
    cells.push({
      id: cellId,
      task,
      mechanism,
      size,
      safety,
      seed,
      lr: effectiveSafetyLr(so),
      ...optimizerCoordinates(c, so, optimizer !== undefined),
      ...(density === undefined ? {} : { density }),
      stages: {
        base,
        backdoor,
        safety: safetyId,
        ...(pm ? { pm } : {}),
        ...(control ? { control } : {}),
      },
    });
  }
  const planner: Planner = { add, stages: () => stages, cells: () => cells };
  for (const k of stageKinds()) k.plan?.(c, planner);
  return { stages, cells };
}
