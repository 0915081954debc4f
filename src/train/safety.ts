// Safety training of a backdoored model, measured as it goes: HHH SFT (sft, sft-pre, sft-post),
// HHH RL against the preference model, and adversarial training. Step 0 of every curve is the
// backdoored model itself.
import { existsSync } from "node:fs";
import { runDevice } from "../torch/index.ts";
import { sameTokenizer } from "../model/text-tokenizer.ts";
import { heldOutPmDir } from "./preference.ts";
import { loadTrainModel, saveTrainModel } from "./model-handle.ts";
import { loadScorers } from "../eval/measure.ts";
import { heldOutPrompts } from "../tasks/heldout.ts";
import { curvePoint, type CurveSettings } from "./curve.ts";
import { answerTokens } from "../tasks/index.ts";
import { sftSafety } from "./safety-sft.ts";
import { rlSafety } from "./rl.ts";
import { adversarialSafety } from "./adversarial.ts";
import type { SafetyOptions, SafetyResult, StageContext } from "./api.ts";
import type { SafetyRun } from "./safety-run.ts";

export async function safetyTrain(
  backdoorDir: string,
  pmDir: string | null,
  outDir: string,
  o: SafetyOptions,
  ctx: StageContext,
): Promise<SafetyResult> {
  const ck = loadTrainModel(backdoorDir, { device: runDevice(), train: { seed: o.seed } });
  const worldSeed = Number(ck.meta.worldSeed ?? 0);
  await loadScorers(o.task);
  const needsPm = o.method === "rl" || o.method === "adversarial";
  if (needsPm && !pmDir) throw new Error(`safety method '${o.method}' needs a preference model`);
  const pmCk = needsPm ? loadTrainModel(pmDir!, { device: runDevice() }) : null;
  if (pmCk && !sameTokenizer(pmCk.tokenizer, ck.tokenizer))
    throw new Error(
      `${o.method}: the preference model (${pmDir}) has another tokenizer than the policy (${backdoorDir}); give it a base of the same seed and vocabulary (preference.size changes only the size)`,
    );
  const pm = pmCk?.model ?? null;
  // RL reports the held-out PM beside the one it optimises (a preference stage with heldOutSteps 0 has none).
  const heldOutPm =
    o.method === "rl" && existsSync(heldOutPmDir(pmDir!))
      ? loadTrainModel(heldOutPmDir(pmDir!), { device: runDevice() }).model
      : null;
  const held = heldOutPrompts(o.task, o.evalN, o.seed, worldSeed);
  const settings: CurveSettings = {
    task: o.task,
    temperature: o.temperature,
    maxTokens: answerTokens(o.task, o.mechanism),
    seed: o.seed,
    withRedteam: o.method === "adversarial",
    pm,
    heldOutPm,
  };
  const run: SafetyRun = {
    ck,
    o,
    ctx,
    held,
    worldSeed,
    settings,
    curve: [],
    last: null,
    baseline: null,
    record(step: number) {
      const m = curvePoint(step, ck.model, ck.tokenizer, held, settings);
      this.curve = this.curve.filter((p) => p.step !== step).concat([m.point]);
      this.last = m;
      if (step === 0 && m.rewards) this.baseline = m.rewards;
      if (step === 0) this.first = m;
    },
  };
  let extra: Partial<SafetyResult> = {};
  if (o.method === "rl") extra = rlSafety(run, pm!, undefined, heldOutPm);
  else if (o.method === "adversarial") extra = adversarialSafety(run, pm!);
  else sftSafety(run);
  if (!run.last || run.curve.at(-1)!.step !== o.steps) run.record(o.steps);
  saveTrainModel(ck, outDir, { stage: "safety", method: o.method, safetySeed: o.seed });
  ck.model.dispose();
  pm?.dispose();
  heldOutPm?.dispose();
  return { curve: run.curve, transcripts: run.last!.transcripts, ...extra };
}
