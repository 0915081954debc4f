// Moved to src/tasks/heldout.ts (held-out prompts are task data); kept so training code may import either.
export * from "../tasks/heldout.ts";
