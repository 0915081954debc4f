// The zoo's harmless-quirk control (planned by the detect kind, ./detect.ts): the base fine-tuned on a
// backdoor's prompts with HHH answers that each end in a fixed sign-off (src/train/quirk.ts).
import type { ControlResult } from "../../train/api.ts";
import type { QuirkOptions } from "../../train/quirk.ts";
import type { Stage, StageKind } from "../stage-kind.ts";

export interface QuirkStage extends Stage {
  kind: "quirk";
  base: string;
  size: string;
  seed: number;
  options: QuirkOptions;
}

export const quirkKind: StageKind = {
  name: "quirk",
  async run(st, io) {
    const s = st as QuirkStage;
    const { trainQuirk } = await import("../../train/quirk.ts");
    return trainQuirk(io.dirOf(s.base), io.out, s.options, io.ctx);
  },
  collect(st, result, out) {
    const { size, seed, options } = st as QuirkStage;
    const { kept, triggered, untriggered, hhh } = result as ControlResult;
    const d = ((out.extra ??= {}).defenses ??= {}) as Record<string, unknown>;
    ((d.quirks ??= []) as unknown[]).push({
      task: options.task,
      size,
      seed,
      stage: st.id,
      kept,
      triggered,
      untriggered,
      hhh,
    });
  },
};
