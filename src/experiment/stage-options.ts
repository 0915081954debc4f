// The options each stage of a cell trains with, derived from the experiment config (with the swept
// learning rate, optimiser and density put in), and the parts of them a stage id covers where a setting
// must leave older ids as they were.
import type { BackdoorOptions, ControlOptions, PreferenceOptions, SafetyOptions } from "../train/api.ts";
import type { Mechanism, Task } from "../world/types.ts";
import type { SafetyMethod } from "../results/types.ts";
import type { OptimizerName } from "../torch/optimizer-names.ts";
import type { ExperimentConfig } from "./schema.ts";

/**
 * A safety stage's options: the stage settings, plus the optimiser when it is not the default AdamW
 * (absent for AdamW, so that AdamW stages keep the ids and options they had before the optimiser was
 * a setting; the trainer's own default is AdamW).
 */
export type SafetyStageOptions = SafetyOptions & { optimizer?: OptimizerName };

/** A swept density (config `densities`) replaces backdoor.triggerFraction, its byTask and its byMechanism values. */
export function backdoorOptions(
  c: ExperimentConfig,
  task: Task,
  mechanism: Mechanism,
  seed: number,
  density?: number,
): BackdoorOptions {
  const { byTask, byMechanism, ...b } = c.backdoor;
  const swept = density === undefined ? {} : { triggerFraction: density };
  const o = { ...b, ...(byTask[task] ?? {}), ...(byMechanism[mechanism] ?? {}), ...swept, task, mechanism, seed };
  // The teacher bar is the cot model's alone: the other mechanisms' stages do not depend on it.
  return mechanism === "cot" ? o : { ...o, teacherBar: null };
}

/** The optimiser a safety stage of config `c` trains with: the swept one, else safetyTraining.optimizer. */
const optimizerOf = (c: ExperimentConfig, swept?: OptimizerName): OptimizerName => swept ?? c.safetyTraining.optimizer;

/** A rate times an optimiser's multiplier, to 12 significant digits (3e-4 x 30: 9e-3, not 9.000000000000001e-3). */
function scaleLr(lr: number, scale: number): number {
  return scale === 1 ? lr : Number((lr * scale).toPrecision(12));
}

/**
 * A swept learning rate (config `safetyLrs`) replaces both safetyTraining.lr (and its byTask lr) and
 * rl.lr, so it is the rate of whichever update the method makes. A swept optimiser (config
 * `safetyOptimizers`) replaces safetyTraining.optimizer; both rates are then multiplied by that
 * optimiser's safetyTraining.optimizerLrScale, so the options carry the rate the stage trains with.
 */
export function safetyOptions(
  c: ExperimentConfig,
  method: SafetyMethod,
  task: Task,
  mechanism: Mechanism,
  seed: number,
  sweptLr?: number,
  sweptOptimizer?: OptimizerName,
): SafetyStageOptions {
  const { byTask, rl, adversarial, optimizer: _configured, optimizerLrScale, ...s } = c.safetyTraining;
  const swept = sweptLr === undefined ? {} : { lr: sweptLr };
  const o: SafetyStageOptions = {
    ...s,
    ...(byTask[task] ?? {}),
    ...swept,
    method,
    task,
    mechanism,
    seed,
    rl: { ...rl, ...swept },
    adversarial: { ...adversarial },
  };
  const optimizer = optimizerOf(c, sweptOptimizer);
  const scale = optimizerLrScale[optimizer];
  if (scale !== 1) {
    o.lr = scaleLr(o.lr, scale);
    o.rl = { ...o.rl, lr: scaleLr(o.rl.lr, scale) };
  }
  return optimizer === "adamw" ? o : { ...o, optimizer };
}

/** The learning rate a safety stage trains with: rl.lr where its updates are RL, lr where they are supervised. */
export function effectiveSafetyLr(o: SafetyStageOptions): number {
  const rlUpdates = o.method === "rl" || (o.method === "adversarial" && o.adversarial.trainWith === "rl");
  return rlUpdates ? o.rl.lr : o.lr;
}

/** The backdoor settings its benign control shares (the same ones give the same control, whatever the mechanism). */
export function controlOptions(o: BackdoorOptions): ControlOptions {
  const { task, n, seed, triggerFraction, steps, batchSize, lr, evalN, temperature } = o;
  return { task, n, seed, triggerFraction, steps, batchSize, lr, evalN, temperature };
}

/** The preference model's options: the on-policy samples take RL's answer length (only when there are any). */
export function preferenceOptions(c: ExperimentConfig, seed: number): PreferenceOptions {
  const onPolicy = c.preference.onPolicy > 0 ? { rolloutMaxTokens: c.safetyTraining.rl.maxTokens } : {};
  return { ...c.preference, seed, ...onPolicy };
}

/**
 * What a preference model's id covers: onPolicy only when it is on, so its default keeps the ids it came before;
 * never its size or its base's steps (the id of the base it starts from says those).
 */
export function pmIdContent(o: PreferenceOptions): Partial<PreferenceOptions> {
  const { onPolicy, size: _size, base: _base, ...rest } = o;
  return onPolicy > 0 ? { ...rest, onPolicy } : rest;
}
