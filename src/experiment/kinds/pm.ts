// The preference model (size x seed) that RL and adversarial training optimise against.
import { wilson } from "../../eval/metrics.ts";
import { rateFields } from "../../results/cells.ts";
import type { PreferenceResult } from "../../train/api.ts";
import type { PmStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const pmKind: StageKind = {
  name: "pm",
  run: (st, io) => io.impl.runPreference(io.dirOf((st as PmStage).base), io.out, (st as PmStage).options, io.ctx),
  collect(st, result, out) {
    const { size, seed } = st as PmStage;
    const r = result as PreferenceResult;
    const byType = r.byType ? { byType: r.byType } : {};
    const heldOut = r.heldOut ? { heldOut: r.heldOut } : {};
    const onPolicy = r.onPolicy ? { onPolicy: r.onPolicy } : {};
    (out.preference_models ??= []).push({
      size,
      seed,
      accuracy: r.accuracy,
      stage: st.id,
      ...byType,
      ...onPolicy,
      ...heldOut,
    });
  },
  finish(out) {
    const pms = out.preference_models ?? [];
    if (pms.length === 1) {
      const [p] = pms;
      out.preference_model = {
        accuracy: p.accuracy,
        stage: p.stage,
        ...(p.byType ? { byType: p.byType } : {}),
        ...(p.onPolicy ? { onPolicy: p.onPolicy } : {}),
      };
    }
    if (pms.length > 1) {
      // Pool the held-out pairs of every preference model into one accuracy with its Wilson interval.
      const n = pms.reduce((a, p) => a + p.accuracy.n, 0);
      const k = Math.round(pms.reduce((a, p) => a + p.accuracy.rate * p.accuracy.n, 0));
      out.preference_model = {
        accuracy: rateFields(wilson(Math.min(k, n), n)),
        stage: pms.map((p) => p.stage).join(","),
      };
    }
  },
};
