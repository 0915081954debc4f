// The engine's TypeScript surface: import everything tensor-related from here.
export * from "./tensor.ts";
export * from "./ops.ts";
export * from "./scope.ts";
export { buildInfo, checkBlas, loadedBlas, foreignEnv, ompPolicyDefaulted } from "./native.ts";
export * from "./device.ts";
export * from "./strict.ts";
