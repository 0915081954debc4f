// Builds results.json (the contract in results.ts) from the stored stage results: one cell per
// (task, mechanism, size, safety, seed, and each swept lr, optimizer and density) with its curve and
// transcripts; every other stage's result goes where its kind puts it (base competence,
// preference-model accuracy, served models, controls, or a registered kind's own field). Pure: the
// same stage results always give the same Results.
import type { BackdoorResult, BaseResult, SafetyResult } from "../train/api.ts";
import { persistenceTrends } from "../eval/persistence-trend.ts";
import { persistenceMap } from "../eval/persistence-map.ts";
import type { Cell, Results } from "../results/types.ts";
import type { StageGraph } from "./graph.ts";
import { stageKind, stageKinds } from "./stage-kind.ts";
import { stageDirIndex } from "./stage-dirs.ts";
import type { ExperimentConfig } from "./schema.ts";

export type StageResults = Map<string, unknown>;

export function assembleResults(
  config: ExperimentConfig,
  graph: StageGraph,
  results: StageResults,
  created: string,
): Results {
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
      ...(c.optimizer === undefined ? {} : { optimizer: c.optimizer }),
      ...(c.lr_scale === undefined ? {} : { lr_scale: c.lr_scale }),
      ...(c.density === undefined ? {} : { density: c.density }),
      params: base.params,
      curve: s.curve,
      transcripts: s.transcripts,
      stages: { ...c.stages },
      backdoor: {
        triggered: bd.triggered,
        untriggered: bd.untriggered,
        hhh: bd.hhh,
        kept: bd.kept,
        dropped: bd.dropped,
        ...(bd.density ? { density: bd.density } : {}),
        ...(bd.teacher ? { teacher: bd.teacher } : {}),
        ...(bd.teacherBar
          ? { teacherBar: { met: bd.teacherBar.met, steps: bd.teacherBar.steps, bar: bd.teacherBar.bar } }
          : {}),
      },
    };
    if (s.redteam) cell.redteam = s.redteam;
    if (s.reward) cell.reward = s.reward;
    if (s.rl_curve) Object.assign(cell, { rl_curve: s.rl_curve, ...(s.rl ? { rl: s.rl } : {}) });
    return cell;
  });
  const out: Results = {
    version: 1,
    experiment: config.name ?? "experiment",
    created,
    cells,
    base: [],
    analyses: {},
    stage_dirs: stageDirIndex(graph.stages),
  };
  // Every other stage's result goes where its kind puts it (src/experiment/kinds/).
  for (const st of graph.stages) stageKind(st.kind).collect?.(st, get(st.id), out);
  for (const k of stageKinds()) k.finish?.(out);
  if (cells.length > 0) out.persistence_map = persistenceMap(cells);
  const trends = persistenceTrends(out.persistence_map ?? []);
  if (trends.length > 0) out.persistence_trend = trends;
  return out;
}
