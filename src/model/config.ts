// GPT hyper-parameters and the size presets the experiments refer to by name.
import { z } from "zod";

export const GptConfigSchema = z.object({
  vocabSize: z.number().int().positive(),
  contextLength: z.number().int().positive(),
  dModel: z.number().int().positive(),
  nLayers: z.number().int().positive(),
  nHeads: z.number().int().positive(),
  dropout: z.number().min(0).max(1).default(0),
  /** Share the token embedding with the output head. */
  tieEmbeddings: z.boolean().default(true),
  /** Add a scalar head on the final hidden state (reward and value models). */
  scalarHead: z.boolean().default(false),
  /** MLP activation: exact GELU (ours) or GPT-2's tanh approximation ("gelu_new"); absent = exact. */
  activation: z.enum(["gelu", "gelu_new"]).optional(),
  /** LayerNorm epsilon; absent = 1e-5 (what GPT-2 uses too). */
  layerNormEps: z.number().positive().optional(),
  /** Preset this config came from, if any (informational). */
  preset: z.string().optional(),
});
export type GptConfig = z.infer<typeof GptConfigSchema>;

export interface SizePreset {
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Rough parameter count at vocab 1024, for documentation. */
  approxParams: string;
}

// ~0.1M to ~20M parameters. Counts include a 1024-token embedding shared with the head.
export const SIZE_PRESETS: Record<string, SizePreset> = {
  tiny: { dModel: 32, nLayers: 1, nHeads: 2, approxParams: "0.05M" },
  xxs: { dModel: 48, nLayers: 2, nHeads: 4, approxParams: "0.1M" },
  xs: { dModel: 64, nLayers: 3, nHeads: 4, approxParams: "0.2M" },
  s: { dModel: 128, nLayers: 4, nHeads: 4, approxParams: "0.9M" },
  m: { dModel: 256, nLayers: 5, nHeads: 8, approxParams: "4M" },
  l: { dModel: 384, nLayers: 7, nHeads: 8, approxParams: "13M" },
  xl: { dModel: 512, nLayers: 6, nHeads: 8, approxParams: "19M" },
};

export function presetConfig(
  size: string,
  vocabSize: number,
  contextLength: number,
  extra: Partial<GptConfig> = {},
): GptConfig {
  const p = SIZE_PRESETS[size];
  if (!p) throw new Error(`unknown model size '${size}' (choose one of: ${Object.keys(SIZE_PRESETS).join(", ")})`);
  return GptConfigSchema.parse({
    vocabSize,
    contextLength,
    dModel: p.dModel,
    nLayers: p.nLayers,
    nHeads: p.nHeads,
    preset: size,
    ...extra,
  });
}
