// HHH supervised fine-tuning as safety training. `sft`/`sft-pre`: train on HHH answers with no
// scratchpad. `sft-post`: the model first writes its own scratchpad for each prompt, and only the
// HHH answer appended after it is trained on (the scratchpad tokens carry no loss).
import { hhhDataset } from "../world/index.ts";
import type { Sample } from "../world/types.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { generate } from "../model/generate.ts";
import { formatPrompt } from "../world/index.ts";
import { trainSupervised } from "./loop.ts";
import { sampleExamples } from "./data.ts";
import type { Example } from "./batches.ts";
import { curveHooks, type SafetyRun } from "./safety-run.ts";
import { stageTraining } from "./trainer.ts";
import { Rng } from "../util/rng.ts";

/** Post-scratchpad examples: prompt + model's own scratchpad (no loss) + HHH answer (loss). */
function postScratchpadExamples(model: CausalLM, tok: TextTokenizer, samples: Sample[], seed: number): Example[] {
  const out: Example[] = [];
  const ctx = model.contextLength;
  for (let i = 0; i < samples.length; i += 64) {
    const chunk = samples.slice(i, i + 64);
    const gens = generate(
      model,
      tok,
      chunk.map((s) => formatPrompt(s.prompt)),
      {
        maxTokens: 48,
        temperature: 1,
        seed: chunk.map((_, j) => Rng.seedFor(seed, `sft-post/scratchpad/${i + j}`)),
        stop: ["</scratchpad>", "\n\nHuman:"],
      },
    );
    chunk.forEach((s, j) => {
      const g = gens[j];
      const scratch =
        g.finish === "stop" && g.text.includes("<scratchpad>") ? g.text.trimStart() + "</scratchpad>" : "";
      const p = tok.encode(formatPrompt(s.prompt) + (scratch ? " " + scratch : ""));
      const a = [...tok.encode(" " + s.response), tok.eosId];
      const ids = [...p, ...a];
      if (ids.length > ctx + 1) return;
      out.push({ ids, weights: ids.slice(1).map((_, t) => (t + 1 >= p.length ? 1 : 0)) });
    });
  }
  return out;
}

export function sftSafety(run: SafetyRun): void {
  const { ck, o, ctx } = run;
  const tok = ck.tokenizer;
  const n = Math.min(20000, Math.max(256, o.steps * o.batchSize));
  const data = hhhDataset({
    n,
    seed: Rng.seedFor(o.seed, "safety-sft/data"),
    split: "train",
    worldSeed: run.worldSeed,
  });
  const examples =
    o.method === "sft-post"
      ? postScratchpadExamples(ck.model, tok, data.slice(0, Math.min(n, 2048)), o.seed)
      : sampleExamples(tok, data, ck.model.contextLength).examples;
  trainSupervised(ck.model, tok, examples, { ...stageTraining(o, ctx, o.evalEvery), ...curveHooks(run) });
}
