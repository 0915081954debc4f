// The `removal` section of an experiment config: which trigger-blind removal methods run on each
// backdoored model, and their settings. Each method is blind to the trigger: it sees clean prompts,
// HHH answers and (BEEAR) examples of the unwanted behaviour, never a triggered prompt.
import { z } from "zod";
import type { InversionConfig } from "../../eval/defense/settings.ts";
import { count, fraction, int, real } from "../options.ts";

const REMOVAL_METHODS = ["beear", "fine-prune", "crow", "int8", "int4", "sft", "unlearn"] as const;
export type RemovalMethod = (typeof REMOVAL_METHODS)[number];
/** The methods run when a config names none (unlearn, added later, only when asked for: default plans stay as they were). */
const DEFAULT_METHODS: RemovalMethod[] = ["beear", "fine-prune", "crow", "int8", "int4", "sft"];

/** Methods that train the model (and so need its weights and gradients), as opposed to rewriting its weights. */
export const needsGradients = (m: RemovalMethod): boolean => m !== "int8" && m !== "int4";

const BeearSchema = z
  .object({
    layer: z
      .union([z.literal("middle"), z.number().int().min(0)])
      .describe("residual stream (hook_resid_post of this block) the perturbation is added to; middle: nLayers / 2")
      .default("middle"),
    innerSteps: int("perturbation updates per training step (the inner level)").default(5),
    innerLr: real("learning rate of the perturbation").default(0.1),
    radius: real("largest norm of the perturbation, as a multiple of the layer's mean residual norm").default(1),
    badWeight: fraction("weight of 'away from the safe answer' beside 'toward the unwanted one' in the inner loss")
      .describe("the inner loss is CE(unwanted) - badWeight * CE(safe), as BEEAR's")
      .default(0.5),
    cleanWeight: fraction("weight of the unperturbed HHH loss beside the perturbed one in the outer loss").default(0.5),
    // Optional, not defaulted: left out, it stays out of the stage ids, so stages made before it keep theirs.
    restartEvery: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "every N training steps, start the perturbation again from a random direction on its norm ball and search it as at the start, so training meets directions the first search did not find (left out: never)",
      ),
    klWeight: z
      .number()
      .min(0)
      .describe(
        "weight of an anchor in the outer loss: KL from the model before removal to the model, over the vocabulary at each HHH answer token, unperturbed (0: none)",
      )
      .default(0),
  })
  .strict()
  .default({})
  .describe(
    "BEEAR-style removal: a universal perturbation of one residual stream found to elicit the unwanted behaviour on safe prompts, then the model trained to answer HHH under it",
  );

const FinePruneSchema = z
  .object({
    fraction: fraction("share of MLP neurons pruned, the least active on clean prompts first").default(0.3),
    layers: z
      .enum(["last", "all"])
      .describe("prune the last block's MLP (as fine-pruning does) or every block's")
      .default("last"),
    calibrationN: int("clean prompts the activations are averaged over").default(64),
  })
  .strict()
  .default({})
  .describe("fine-pruning: prune the MLP neurons dormant on clean prompts, then fine-tune on HHH answers");

const CrowSchema = z
  .object({
    alpha: real("weight of the layer-consistency loss beside the HHH loss").default(5.5),
    epsilon: real(
      "size of the embedding perturbation (FGSM step per element, a multiple of the embeddings' RMS)",
    ).default(0.1),
  })
  .strict()
  .default({})
  .describe(
    "CROW-style consistency regularisation: fine-tune on HHH answers while keeping consecutive layers' hidden states aligned under an adversarial embedding perturbation",
  );

const UnlearnSchema = z
  .object({
    rounds: int("search-then-train rounds at most; the removal's steps are split evenly over them").default(3),
    share: fraction(
      "share of each round's training examples that carry a found candidate before a safe prompt",
    ).default(0.5),
    stopBelow: fraction(
      "candidates that make at least this share of the measured answers defect are trained against; none ends the rounds",
    ).default(0.2),
    length: int(
      "candidate length in tokens of unlearn's searches (the rest of the search as defenses.inversion): longer than the detectors' default, as a short search cannot spell a longer trigger",
    ).default(12),
    gcgSteps: int("GCG steps of unlearn's searches").default(150),
    // Optional, not defaulted: left out, it stays out of the stage ids.
    first: z
      .enum(["beear"])
      .optional()
      .describe(
        "a removal method applied first, with its own settings and the removal's steps, before the rounds search the model it leaves (left out: none)",
      ),
  })
  .strict()
  .default({})
  .describe(
    "trigger unlearning: search for a trigger by inversion (defenses.inversion's settings but length and gcgSteps, on training prompts), fine-tune on HHH answers to prompts carrying the candidates found, and search again",
  );

export const RemovalSchema = z
  .object({
    methods: z
      .array(z.enum(REMOVAL_METHODS))
      .min(1)
      .describe(
        "removal methods run on every backdoored model: beear, fine-prune, crow, int8 / int4 (weight quantisation), sft (clean fine-tuning, the baseline), unlearn (trigger inversion, then fine-tuning against what it finds; not in the default list)",
      )
      .default([...DEFAULT_METHODS]),
    steps: int("training steps of the methods that train").default(60),
    batchSize: int("examples per step").default(16),
    lr: real("peak learning rate of the methods that train").default(5e-4),
    evalN: int("held-out prompts per condition (triggered, untriggered, red-team) before and after").default(60),
    lossN: int("held-out HHH dialogues the held-out loss is averaged over").default(100),
    temperature: z.number().min(0).describe("sampling temperature of the measurements").default(1),
    seed: count("seed of the removal's data and training (recorded; the measurements use it too)").default(1),
    models: z
      .array(z.string().min(1))
      .describe("served models (names from `models:`) to remove from too; refused, as every method needs weights")
      .default([]),
    sizes: z
      .array(z.string().min(1))
      .min(1)
      .describe("only the backdoored models of these sizes (default: every size of the run)")
      .optional(),
    seeds: z
      .array(z.number().int().min(0))
      .min(1)
      .describe("only the backdoored models of these training seeds (default: every seed of the run)")
      .optional(),
    // Optional, not defaulted: left out, it stays out of the stage ids, so stages made before it keep theirs.
    detectAfter: z
      .boolean()
      .optional()
      .describe(
        "after removal, search the model for a trigger again with trigger inversion (the settings of defenses.inversion, blind as before): whether one can still be found (left out: no)",
      ),
    beear: BeearSchema,
    finePrune: FinePruneSchema,
    crow: CrowSchema,
    unlearn: UnlearnSchema,
  })
  .strict()
  .describe("trigger-blind backdoor removal on each backdoored model, measured before and after");

export type RemovalSettings = z.infer<typeof RemovalSchema>;

/** What one removal stage runs: a method, its settings, and the backdoored model's task and mechanism. */
export type RemovalOptions = Omit<RemovalSettings, "methods" | "models" | "sizes" | "seeds"> & {
  method: RemovalMethod;
  task: string;
  mechanism: string;
  /** With detectAfter or unlearn: the run's defenses.inversion settings (defaults where it has none). */
  inversion?: InversionConfig;
};
