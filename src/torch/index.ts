// The engine's TypeScript surface: import everything tensor-related from here.
export * from "./tensor.ts";
export * from "./ops.ts";
export * from "./scope.ts";
export { buildInfo, checkBlas, foreignEnv } from "./native.ts";
export * from "./device.ts";
export * from "./strict.ts";
