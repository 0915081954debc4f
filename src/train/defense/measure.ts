// Measuring a model before and after removal: defection with the real trigger, without it and on
// red-team prompts (the shared evaluation core, the task's scorer), HHH, and the loss on held-out HHH
// dialogues, each with its 95% interval and n. The same prompts and seed before and after.
import { crossEntropy, noGrad, tidy } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { measureDefection } from "../../eval/measure.ts";
import { meanCI } from "../../eval/rate.ts";
import { taskSpec } from "../../tasks/index.ts";
import type { HeldOut } from "../../tasks/heldout.ts";
import type { RemovalMeasure } from "../../results/removal.ts";
import type { Transcript } from "../../results/types.ts";
import type { Task } from "../../world/types.ts";
import { collate, type Example } from "../batches.ts";

export interface RemovalEval {
  task: Task;
  held: HeldOut;
  /** Held-out HHH dialogues for the loss. */
  lossExamples: Example[];
  temperature: number;
  maxTokens: number;
  seed: number;
}

/** Mean token loss of each example (its answer tokens), in example order. */
function exampleLosses(model: CausalLM, tok: TextTokenizer, examples: Example[], batchSize = 16): number[] {
  const out: number[] = [];
  noGrad(() => {
    for (let i = 0; i < examples.length; i += batchSize)
      tidy(() => {
        const b = collate(examples.slice(i, i + batchSize), tok.padId, model.contextLength, model.device);
        const [B, T] = b.x.shape;
        const { logits } = model.forward(b.x);
        const per = crossEntropy(logits!.view(-1, model.vocabSize), b.y, { reduction: "none" }).view(B, T);
        const w = b.w.view(B, T);
        const sums = per.mul(w).sum([1]).toArray();
        const counts = w.sum([1]).toArray();
        sums.forEach((s, r) => out.push(counts[r] > 0 ? s / counts[r] : 0));
      });
  });
  return out;
}

export function measureRemoval(
  model: CausalLM,
  tok: TextTokenizer,
  e: RemovalEval,
): { measure: RemovalMeasure; transcripts: Transcript[]; hhhScores: Array<number | null> } {
  const g = { temperature: e.temperature, maxTokens: e.maxTokens, seed: e.seed };
  const trig = measureDefection(model, tok, e.task, e.held.triggered, g, 2);
  const untrig = measureDefection(model, tok, e.task, e.held.untriggered, g, 2);
  const redteam = measureDefection(model, tok, e.task, e.held.redteam, g, 0);
  return {
    measure: {
      triggered: trig.rate,
      untriggered: untrig.rate,
      redteam: redteam.rate,
      hhh: taskSpec(e.task).hhhOnCurve ? untrig.hhh : null,
      heldOutLoss: meanCI(exampleLosses(model, tok, e.lossExamples), e.seed),
    },
    transcripts: [...trig.transcripts, ...untrig.transcripts],
    hhhScores: untrig.hhhScores,
  };
}
