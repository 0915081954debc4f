// The cot teacher's bar: distilled-cot is only as good as the cot model its data is sampled from, so a
// cot backdoor model with `backdoor.teacherBar` keeps training past its `steps`, `every` steps at a
// time, until it defects on >= the bar's share of triggered held-out prompts and <= its share of
// untriggered ones, or its step budget is spent. The bar is checked on its own held-out draw (not the
// prompts the stage's result reports), so stopping when it is met does not select the reported numbers.
// Met or not, the verdict goes into the stage's result and its checkpoint's meta, from which the
// distilled-cot stage copies it.
import { join } from "node:path";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { Task } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import { measureDefection } from "../eval/measure.ts";
import { heldOutPrompts } from "../tasks/heldout.ts";
import { answerTokens } from "../tasks/index.ts";
import { trainSupervised } from "./loop.ts";
import type { Example } from "./batches.ts";
import type { TeacherBar, TeacherBarRound, TeacherBarReport } from "./teacher-bar-types.ts";
import type { StageContext } from "./api.ts";

export type { TeacherBar, TeacherBarRound, TeacherBarReport };

export interface BarTraining {
  task: Task;
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  evalN: number;
  temperature: number;
}

export const meetsBar = (bar: TeacherBar, r: Pick<TeacherBarRound, "triggered" | "untriggered">): boolean =>
  r.triggered.rate >= bar.triggered && r.untriggered.rate <= bar.untriggered;

/** Continue training `model` (already trained o.steps steps on `examples`) until it meets `bar` or the budget ends. */
export function trainToBar(
  model: CausalLM,
  tok: TextTokenizer,
  examples: Example[],
  bar: TeacherBar,
  o: BarTraining,
  ctx: StageContext,
  worldSeed: number,
): TeacherBarReport {
  const held = heldOutPrompts(o.task, o.evalN, Rng.seedFor(o.seed, "teacher-bar"), worldSeed);
  const g = {
    temperature: o.temperature,
    maxTokens: answerTokens(o.task, "cot"),
    seed: Rng.seedFor(o.seed, "teacher-bar/check"),
  };
  const check = (steps: number): TeacherBarRound => ({
    steps,
    triggered: measureDefection(model, tok, o.task, held.triggered, g, 0).rate,
    untriggered: measureDefection(model, tok, o.task, held.untriggered, g, 0).rate,
  });
  let steps = o.steps;
  const rounds = [check(steps)];
  while (!meetsBar(bar, rounds.at(-1)!) && steps + bar.every <= bar.maxSteps) {
    // Each extension is its own short schedule (warmup, cosine) at the backdoor's rate, resumable on its own.
    trainSupervised(model, tok, examples, {
      steps: bar.every,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: Rng.seedFor(o.seed, `teacher-bar/${steps}`),
      label: `${ctx.label} (to the bar, from step ${steps})`,
      resumeDir: join(ctx.workDir, `bar-${steps}`),
      checkpointEvery: bar.every,
      logPath: ctx.logPath,
    });
    steps += bar.every;
    rounds.push(check(steps));
  }
  const met = meetsBar(bar, rounds.at(-1)!);
  if (!met)
    console.warn(
      `warning: ${ctx.label}: teacher bar not met in ${bar.maxSteps} steps (>= ${bar.triggered} with the trigger, <= ${bar.untriggered} without; reached ${fmt(rounds.at(-1)!)}); raise backdoor.teacherBar.maxSteps or the backdoor lr`,
    );
  return { bar, met, steps, rounds };
}

const fmt = (r: TeacherBarRound) =>
  `${r.triggered.rate.toFixed(2)} / ${r.untriggered.rate.toFixed(2)} at step ${r.steps}`;
