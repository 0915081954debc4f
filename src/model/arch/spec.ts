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
  /**
   * config.json -> this architecture's config; throws a one-line error naming the key. Keys it does not know
   * are passed to `warn` as one line (when given).
   */
  parseConfig(raw: Record<string, unknown>, file: string, warn?: (msg: string) => void): C;
  tensors(config: C): TensorSpec[];
  /** Build the model on loaded tensors (named as `tensors()` says), moved to `device`; the model owns them. */
  build(config: C, weights: Map<string, Tensor>, device: Device): CausalLM;
}
