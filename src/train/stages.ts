// Entry points of the training stages, in the shape src/train/api.ts describes. The runner calls
// these; each writes its checkpoint directory atomically and returns its result. Each module is
// loaded on first use (a run with stand-in stages needs no tensor engine), and each entry point takes
// the parameters of the function it forwards to, so a signature is written once, where it is implemented.
import type { trainBase } from "./base/train.ts";
import type { insertBackdoor } from "./backdoor.ts";
import type { trainPreferenceModel } from "./preference.ts";
import type { safetyTrain } from "./safety.ts";
import type { trainControl } from "./control.ts";

export async function runBase(...a: Parameters<typeof trainBase>): ReturnType<typeof trainBase> {
  return (await import("./base/train.ts")).trainBase(...a);
}

/** teacherDir: the cot backdoor model that distilled-cot data is sampled from (required for distilled-cot only). */
export async function runBackdoor(...a: Parameters<typeof insertBackdoor>): ReturnType<typeof insertBackdoor> {
  return (await import("./backdoor.ts")).insertBackdoor(...a);
}

export async function runPreference(
  ...a: Parameters<typeof trainPreferenceModel>
): ReturnType<typeof trainPreferenceModel> {
  return (await import("./preference.ts")).trainPreferenceModel(...a);
}

/** pmDir is required for rl and adversarial, ignored by the SFT methods. */
export async function runSafety(...a: Parameters<typeof safetyTrain>): ReturnType<typeof safetyTrain> {
  return (await import("./safety.ts")).safetyTrain(...a);
}

/** The benign control of the probes: the backdoor's prompts and schedule, HHH answers only. */
export async function runControl(...a: Parameters<typeof trainControl>): ReturnType<typeof trainControl> {
  return (await import("./control.ts")).trainControl(...a);
}
