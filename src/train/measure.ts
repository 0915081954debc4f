// Moved to src/eval/measure.ts (measuring is evaluation); kept so training code may import either.
export * from "../eval/measure.ts";
