// Safety training of one backdoored model (one per cell): SFT, RL or adversarial training, with its curve.
// Its result is the cell's curve (experiment/assemble.ts).
import type { SafetyStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const safetyKind: StageKind = {
  name: "safety",
  run(st, io) {
    const s = st as SafetyStage;
    // s.options carries the optimiser (absent: AdamW) and the rates it scaled; the trainer reads them from there.
    return io.impl.runSafety(io.dirOf(s.backdoor), s.pm ? io.dirOf(s.pm) : null, io.out, s.options, io.ctx);
  },
};
