// A served model measured through its OpenAI-compatible API (config `models:`): no deps, nothing
// trained; planned first, so an unreachable server fails the run before anything trains.
import { runExternal, type ExternalResult } from "../../eval/external.ts";
import { stageId } from "../ids.ts";
import type { ExternalStage } from "../graph.ts";
import type { StageKind } from "../stage-kind.ts";

export const externalKind: StageKind = {
  name: "external",
  plan(c, p) {
    for (const m of c.models) {
      const { apiKeyEnv: _key, concurrency: _c, maxRetries: _r, timeout: _t, name: _n, ...measured } = m;
      // The id covers what can change the answers (server, model, prompts, sampling), not transport
      // settings or the label.
      const id = stageId("external", measured);
      p.add(
        {
          kind: "external",
          id,
          label: `model ${m.name} (${m.task})`,
          cell: `${m.name}/${m.task}`,
          deps: [],
          options: { ...m },
        },
        true,
      );
    }
  },
  run: (st, io) => (io.impl.runExternal ?? runExternal)(io.out, (st as ExternalStage).options, io.ctx),
  collect(st, result, out) {
    const r = result as ExternalResult;
    const o = (st as ExternalStage).options;
    (out.external ??= []).push({
      name: o.name,
      task: o.task,
      mechanism: o.mechanism,
      provider: r.provider,
      seed: o.seed,
      triggered: r.triggered,
      untriggered: r.untriggered,
      difference: r.difference,
      hhh: r.hhh,
      ...(r.parseErrors !== undefined ? { parseErrors: r.parseErrors } : {}),
      transcripts: r.transcripts,
      stage: st.id,
    });
  },
};
