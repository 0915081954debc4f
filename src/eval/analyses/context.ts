// What every per-model analysis receives: the loaded model and where it came from.
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import type { ModelRef } from "./models.ts";

export interface ModelCtx {
  ref: ModelRef;
  model: CausalLM;
  tok: TextTokenizer;
  worldSeed: number;
}

/** A response shortened for a table cell. */
export function clip(text: string, max = 120): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}
