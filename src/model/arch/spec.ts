// What an architecture module provides to the registry and the loader: parse config.json, list the tensors
// it needs (with the file keys they may have and their layout there), and build the model on them.
import type { Device, Tensor } from "../../torch/index.ts";
import type { CausalLM } from "../causal-lm.ts";

/** One tensor a model needs: its parameter name and shape, the keys a file may store it under, its layout there. */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** File keys to look for, in order (e.g. with and without the `transformer.` prefix). */
  keys: string[];
  /** Stored as [in, out] (GPT-2's Conv1D) and transposed to [out, in] on load. */
  transposed?: boolean;
  /** May be absent (e.g. an untied head that the file shares with the embedding). */
  optional?: boolean;
}

export interface Architecture<C = unknown> {
  /** The registry name, as config.json's `model_type` spells it. */
  name: string;
  /** `architectures` entries (transformers class names) that select it when model_type is absent. */
  hfClasses: string[];
  /** config.json -> this architecture's config; throws a one-line error naming the key. */
  parseConfig(raw: Record<string, unknown>, file: string): C;
  tensors(config: C): TensorSpec[];
  /** Build the model on loaded tensors (named as `tensors()` says), moved to `device`; the model owns them. */
  build(config: C, weights: Map<string, Tensor>, device: Device): CausalLM;
}

/** Typed reads of config.json keys with one-line errors naming the file and key. */
export class ConfigReader {
  constructor(readonly raw: Record<string, unknown>, readonly file: string) {}

  fail(key: string, what: string): never {
    throw new Error(`${this.file}: '${key}' ${what}`);
  }
  int(key: string, dflt?: number): number {
    const v = this.raw[key] ?? dflt;
    if (v === undefined) this.fail(key, "is missing (a positive integer is required)");
    if (!Number.isSafeInteger(v) || (v as number) <= 0) this.fail(key, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }
  num(key: string, dflt?: number): number {
    const v = this.raw[key] ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, v === undefined ? "is missing (a number is required)" : `must be a number, got ${JSON.stringify(v)}`);
    return v;
  }
  bool(key: string, dflt: boolean): boolean {
    const v = this.raw[key] ?? dflt;
    if (typeof v !== "boolean") this.fail(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  str(key: string, dflt?: string): string {
    const v = this.raw[key] ?? dflt;
    if (typeof v !== "string") this.fail(key, v === undefined ? "is missing" : `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }
  /** A key whose value we do not implement: only the listed values (or absence) are accepted. */
  only(key: string, allowed: unknown[], why: string): void {
    const v = this.raw[key];
    if (v === undefined || v === null || allowed.includes(v)) return;
    this.fail(key, `= ${JSON.stringify(v)} is not supported (${why})`);
  }
}
