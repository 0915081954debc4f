// The probes' benign control: the base fine-tuned on a backdoor's prompts with HHH answers only.
import * as trainStages from "../../train/stages.ts";
import type { ControlResult } from "../../train/api.ts";
import type { ControlStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const controlKind: StageKind = {
  name: "control",
  run(st, io) {
    const s = st as ControlStage;
    return (io.impl.runControl ?? trainStages.runControl)(io.dirOf(s.base), io.out, s.options, io.ctx);
  },
  collect(st, result, out) {
    const { task, size, seed } = st as ControlStage;
    const r = result as ControlResult;
    const { kept, triggered, untriggered, hhh } = r;
    (out.controls ??= []).push({ task, size, seed, stage: st.id, kept, triggered, untriggered, hhh });
  },
};
