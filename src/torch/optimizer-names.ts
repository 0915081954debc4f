// The optimisers a training stage can ask for, by name (config `optimizer`): one list that the config
// schema, its error messages and the trainer all read.
export const OPTIMIZER_NAMES = ["adamw", "sgd", "adafactor"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
