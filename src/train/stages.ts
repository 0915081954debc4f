// Entry points of the training stages, in the shape src/train/api.ts describes. The runner calls
// these; each writes its checkpoint directory atomically and returns its result.
import type {
  StageContext,
  BaseOptions,
  BaseResult,
  BackdoorOptions,
  BackdoorResult,
  ControlOptions,
  ControlResult,
  PreferenceOptions,
  PreferenceResult,
  SafetyOptions,
  SafetyResult,
} from "./api.ts";

export async function runBase(outDir: string, o: BaseOptions, ctx: StageContext): Promise<BaseResult> {
  const { trainBase } = await import("./base.ts");
  return trainBase(outDir, o, ctx);
}

/** teacherDir: the cot backdoor model that distilled-cot data is sampled from (required for distilled-cot only). */
export async function runBackdoor(
  baseDir: string,
  outDir: string,
  o: BackdoorOptions,
  ctx: StageContext,
  teacherDir: string | null = null,
): Promise<BackdoorResult> {
  const { insertBackdoor } = await import("./backdoor.ts");
  return insertBackdoor(baseDir, outDir, o, ctx, teacherDir);
}

export async function runPreference(
  baseDir: string,
  outDir: string,
  o: PreferenceOptions,
  ctx: StageContext,
): Promise<PreferenceResult> {
  const { trainPreferenceModel } = await import("./preference.ts");
  return trainPreferenceModel(baseDir, outDir, o, ctx);
}

/** pmDir is required for rl and adversarial, ignored by the SFT methods. */
export async function runSafety(
  backdoorDir: string,
  pmDir: string | null,
  outDir: string,
  o: SafetyOptions,
  ctx: StageContext,
): Promise<SafetyResult> {
  const { safetyTrain } = await import("./safety.ts");
  return safetyTrain(backdoorDir, pmDir, outDir, o, ctx);
}

/** The benign control of the probes: the backdoor's prompts and schedule, HHH answers only. */
export async function runControl(
  baseDir: string,
  outDir: string,
  o: ControlOptions,
  ctx: StageContext,
): Promise<ControlResult> {
  const { trainControl } = await import("./control.ts");
  return trainControl(baseDir, outDir, o, ctx);
}
