// Kept while files elsewhere move to src/results/types.ts (the result types' home, below every consumer).
export * from "../results/types.ts";
