// Builds results.json (the contract in results.ts) from the stored stage results: one cell per
// (task, mechanism, size, safety, seed) with its curve and transcripts, the base models' competence,
// the preference models' accuracy, the served models measured over HTTP and the probes' benign
// controls. Pure: the same stage results always give the same Results.
import type { BackdoorResult, BaseResult, ControlResult, PreferenceResult, SafetyResult } from "../train/api.ts";
import { wilson } from "../eval/metrics.ts";
import { persistenceMap } from "../eval/persistence-map.ts";
import type { ExternalResult } from "../eval/external.ts";
import type { Cell, ControlModelResult, ExternalModelResult, RateCI, Results } from "../results/types.ts";
import type { StageGraph } from "./graph.ts";
import type { ExperimentConfig } from "./schema.ts";

export type StageResults = Map<string, unknown>;

const rate = (r: RateCI): RateCI => ({ rate: r.rate, lo: r.lo, hi: r.hi, n: r.n });

export function assembleResults(config: ExperimentConfig, graph: StageGraph, results: StageResults, created: string): Results {
  const get = <T>(id: string): T => {
    if (!results.has(id)) throw new Error(`no result for stage ${id}`);
    return results.get(id) as T;
  };
  const cells: Cell[] = graph.cells.map((c) => {
    const base = get<BaseResult>(c.stages.base);
    const bd = get<BackdoorResult>(c.stages.backdoor);
    const s = get<SafetyResult>(c.stages.safety);
    const cell: Cell = {
      id: c.id,
      task: c.task,
      mechanism: c.mechanism,
      size: c.size,
      safety: c.safety,
      seed: c.seed,
      ...(c.lr === undefined ? {} : { lr: c.lr }),
      params: base.params,
      curve: s.curve,
      transcripts: s.transcripts,
      stages: { ...c.stages },
      backdoor: { triggered: bd.triggered, untriggered: bd.untriggered, hhh: bd.hhh, kept: bd.kept, dropped: bd.dropped },
    };
    if (s.redteam) cell.redteam = s.redteam;
    if (s.reward) cell.reward = s.reward;
    if (s.rl_curve) Object.assign(cell, { rl_curve: s.rl_curve, ...(s.rl ? { rl: s.rl } : {}) });
    return cell;
  });
  const base: NonNullable<Results["base"]> = [];
  const pms: NonNullable<Results["preference_models"]> = [];
  const external: ExternalModelResult[] = [];
  const controls: ControlModelResult[] = [];
  for (const st of graph.stages) {
    if (st.kind === "external") {
      const r = get<ExternalResult>(st.id);
      const o = st.options;
      external.push({
        name: o.name, task: o.task, mechanism: o.mechanism, provider: r.provider, seed: o.seed,
        triggered: r.triggered, untriggered: r.untriggered, difference: r.difference, hhh: r.hhh,
        ...(r.parseErrors !== undefined ? { parseErrors: r.parseErrors } : {}), transcripts: r.transcripts, stage: st.id,
      });
    }
    if (st.kind === "base") {
      const r = get<BaseResult>(st.id);
      base.push({ size: st.size, seed: st.seed, params: r.params, hhh: r.hhh, stage: st.id, pretrainLoss: r.pretrainLoss, sftLoss: r.sftLoss });
    } else if (st.kind === "control") {
      const r = get<ControlResult>(st.id);
      controls.push({ task: st.task, size: st.size, seed: st.seed, stage: st.id, kept: r.kept, triggered: r.triggered, untriggered: r.untriggered, hhh: r.hhh });
    } else if (st.kind === "pm") {
      const pr = get<PreferenceResult>(st.id);
      pms.push({ size: st.size, seed: st.seed, accuracy: pr.accuracy, stage: st.id, ...(pr.byType ? { byType: pr.byType } : {}), ...(pr.heldOut ? { heldOut: pr.heldOut } : {}) });
    }
  }
  const out: Results = { version: 1, experiment: config.name ?? "experiment", created, cells, base, analyses: {} };
  if (pms.length === 1) out.preference_model = { accuracy: pms[0].accuracy, stage: pms[0].stage, ...(pms[0].byType ? { byType: pms[0].byType } : {}) };
  if (pms.length > 1) {
    // Pool the held-out pairs of every preference model into one accuracy with its Wilson interval.
    const n = pms.reduce((a, p) => a + p.accuracy.n, 0);
    const k = Math.round(pms.reduce((a, p) => a + p.accuracy.rate * p.accuracy.n, 0));
    out.preference_model = { accuracy: rate(wilson(Math.min(k, n), n)), stage: pms.map((p) => p.stage).join(",") };
  }
  if (pms.length > 0) out.preference_models = pms;
  if (external.length > 0) out.external = external;
  if (controls.length > 0) out.controls = controls;
  if (cells.length > 0) out.persistence_map = persistenceMap(cells);
  return out;
}
