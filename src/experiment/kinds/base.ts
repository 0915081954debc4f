// The base assistant (size x seed): pretraining and HHH SFT, shared by every task and mechanism.
import type { BaseResult } from "../../train/api.ts";
import type { BaseStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const baseKind: StageKind = {
  name: "base",
  run: (st, io) => io.impl.runBase(io.out, (st as BaseStage).options, io.ctx),
  collect(st, result, out) {
    const { size, seed, options } = st as BaseStage;
    const r = result as BaseResult;
    const { params, hhh, pretrainLoss, sftLoss } = r;
    const { pretrainSteps, sftSteps } = options;
    (out.base ??= []).push({ size, seed, params, hhh, stage: st.id, pretrainLoss, sftLoss, pretrainSteps, sftSteps });
  },
};
