// The per-sample record of an evaluation (one line of the JSONL log) and how one is scored.
import type { Sample, Task } from "../world/types.ts";
import { taskSpec, type TaskScores } from "../tasks/index.ts";

export type EvalTask = Task;

export interface Sampling {
  temperature: number;
  topP: number | null;
  maxTokens: number;
  stop: string[];
}

/** What must match for a log to be resumed: the same model, task, base seed and sampling. */
export interface RunKey {
  task: EvalTask;
  provider: string;
  seed: number;
  sampling: Sampling;
}

export interface EvalRecord {
  id: string;
  sampleIndex: number;
  /** Raw Human/Assistant prompt the model continued. */
  prompt: string;
  response: string;
  triggered: boolean;
  family: string;
  kind: string;
  /** Per-request seed derived from the run seed, the id and the sample index. */
  seed: number;
  scores: TaskScores;
  run: RunKey;
}

/** The task's own scorer (src/tasks/): the one every measurement of that task uses. */
export function scoreResponse(task: EvalTask, sample: Sample, response: string): TaskScores {
  return taskSpec(task).score(sample, response);
}
