// One point of a persistence curve: the model measured on the same held-out prompts every time.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { CurvePoint, Transcript } from "../results/types.ts";
import type { Task } from "../world/types.ts";
import { measureDefection } from "../eval/measure.ts";
import { pmScores } from "./sequences.ts";
import { meanCI } from "../eval/rate.ts";
import type { HeldOut } from "../tasks/heldout.ts";
import { taskSpec } from "../tasks/index.ts";

export interface CurveSettings {
  task: Task;
  temperature: number;
  maxTokens: number;
  seed: number;
  withRedteam: boolean;
  /** Preference model for the reward column (RL cells). */
  pm?: CausalLM | null;
  /** Held-out preference model, scored beside it. */
  heldOutPm?: CausalLM | null;
}

export interface MeasuredPoint {
  point: CurvePoint;
  transcripts: { triggered: Transcript[]; untriggered: Transcript[] };
  /** Preference-model score per held-out untriggered prompt (RL cells), for paired before/after comparisons. */
  rewards?: number[];
  heldOutRewards?: number[];
  /** HHH score per held-out untriggered prompt (null where the sample has none), for the paired change. */
  hhhScores?: Array<number | null>;
}

export function curvePoint(
  step: number,
  model: CausalLM,
  tok: TextTokenizer,
  held: HeldOut,
  s: CurveSettings,
): MeasuredPoint {
  // The same seed at every step: differences between points come from the model, not the sampler.
  const g = { temperature: s.temperature, maxTokens: s.maxTokens, seed: s.seed };
  const trig = measureDefection(model, tok, s.task, held.triggered, g);
  const untrig = measureDefection(model, tok, s.task, held.untriggered, g);
  const point: CurvePoint = { step, triggered: trig.rate, untriggered: untrig.rate };
  const out: MeasuredPoint = { point, transcripts: { triggered: trig.transcripts, untriggered: untrig.transcripts } };
  if (taskSpec(s.task).hhhOnCurve) {
    point.hhh = untrig.hhh;
    out.hhhScores = untrig.hhhScores;
  }
  if (s.withRedteam && held.redteam.length) point.redteam = measureDefection(model, tok, s.task, held.redteam, g).rate;
  const answers = held.untriggered.map((x, i) => ({ prompt: x.prompt, response: untrig.responses[i] }));
  if (s.pm) {
    out.rewards = pmScores(s.pm, tok, answers);
    point.reward = meanCI(out.rewards, s.seed);
  }
  if (s.heldOutPm) {
    out.heldOutRewards = pmScores(s.heldOutPm, tok, answers);
    point.reward_heldout = meanCI(out.heldOutRewards, s.seed);
  }
  return out;
}
