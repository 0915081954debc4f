// Backdoor insertion (task x mechanism x size x seed); distilled-cot reads its cot teacher's checkpoint.
// Its result goes into each cell that uses it (experiment/assemble.ts).
import type { BackdoorStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const backdoorKind: StageKind = {
  name: "backdoor",
  run(st, io) {
    const s = st as BackdoorStage;
    return io.impl.runBackdoor(io.dirOf(s.base), io.out, s.options, io.ctx, s.teacher ? io.dirOf(s.teacher) : null);
  },
};
