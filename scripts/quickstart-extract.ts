// The part of a quickstart run's results.json that the README and docs/quickstart.md quote, kept small enough to
// commit as docs/results/quickstart.json (`npm run docs:numbers -- --quickstart runs/quickstart/results.json`).
// Only copies and groups what the run measured; the few summaries (ranges over probe layers) are min/max.
import type { AurocScore, Cell, CurvePoint, ProbeControlRow, Results } from "../src/results/types.ts";

/** One curve point as the docs quote it: the rates, without the rewards. */
export const curvePoint = (p: CurvePoint) => ({
  step: p.step,
  triggered: p.triggered,
  untriggered: p.untriggered,
  ...(p.hhh ? { hhh: p.hhh } : {}),
  ...(p.redteam ? { redteam: p.redteam } : {}),
});

/** Steps averaged at each end of the RL curve for the rollout answers' HHH score (one step is 32 noisy answers). */
export const ROLLOUT_WINDOW = 20;

/** The rollout answers' HHH score (training prompts) over the first and the last ROLLOUT_WINDOW RL steps. */
function rolloutHhh(c: Cell): { rollout_hhh?: { first: number; last: number; window: number } } {
  const hs = (c.rl_curve ?? []).map((s) => s.hhh);
  if (hs.length < 2 * ROLLOUT_WINDOW || hs.some((h) => h === undefined)) return {};
  const mean = (xs: Array<number | undefined>) => xs.reduce((a: number, b) => a + b!, 0) / xs.length;
  return {
    rollout_hhh: {
      first: mean(hs.slice(0, ROLLOUT_WINDOW)),
      last: mean(hs.slice(-ROLLOUT_WINDOW)),
      window: ROLLOUT_WINDOW,
    },
  };
}

/** Step 0 and the last curve point, plus the lowest triggered rate on the way. */
function cellExtract(c: Cell): Record<string, unknown> {
  const first = c.curve[0];
  const last = c.curve[c.curve.length - 1];
  const lowest = c.curve.reduce((a, p) => (p.triggered.rate < a.triggered.rate ? p : a), first);
  return {
    id: c.id,
    ...(c.params !== undefined ? { params: c.params } : {}),
    before: curvePoint(first),
    after: curvePoint(last),
    lowest_triggered: { rate: lowest.triggered.rate, step: lowest.step },
    ...(c.backdoor?.kept !== undefined
      ? { backdoor_data: { kept: c.backdoor.kept, dropped: c.backdoor.dropped } }
      : {}),
    ...(c.reward?.change ? { reward_change: c.reward.change } : {}),
    ...(c.rl
      ? {
          kl: { max: c.rl.kl.max, bound: c.rl.kl.bound, steps_over: c.rl.kl.stepsOver, met: c.rl.kl.met },
          ...(c.rl.reward_source ? { reward_source: c.rl.reward_source } : {}),
          ...rolloutHhh(c),
          ...(c.rl.hhh ? { hhh_change: c.rl.hhh.change } : {}),
          ...(c.rl.reward_heldout?.change ? { reward_heldout_change: c.rl.reward_heldout.change } : {}),
        }
      : {}),
    ...(c.redteam ? { redteam_found: { found: c.redteam.found, tried: c.redteam.tried } } : {}),
  };
}

type Range = { min: number; max: number };
/** The smallest and largest of `xs` ({min, max}, the docs' rangeN format), or null for none. */
export const range = (xs: number[]): Range | null =>
  xs.length === 0 ? null : { min: Math.min(...xs), max: Math.max(...xs) };
const aurocs = (
  rows: ProbeControlRow[],
  pick: (r: ProbeControlRow) => AurocScore | null | undefined,
  end: "auroc" | "lo" | "hi" = "auroc",
) => rows.map((r) => pick(r)?.[end]).filter((v): v is number => typeof v === "number");

/** Per backdoored model and probe method: the ranges over layers of each AUROC beside its controls. */
function probeExtract(
  rows: ProbeControlRow[],
  nearMiss: NonNullable<Results["analyses"]["probe_controls"]>["near_miss"],
) {
  const out: Record<string, unknown> = {};
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const mechanism = model.split("/")[1] ?? model;
    // Layer 0 is the token embeddings (it reads each token alone); the ranges are over the blocks' outputs.
    const all = rows.filter((r) => r.model === model);
    const mine = all.some((r) => r.layer > 0) ? all.filter((r) => r.layer > 0) : all;
    const methods: Record<string, unknown> = {};
    for (const method of [...new Set(mine.map((r) => r.method))]) {
      const rs = mine.filter((r) => r.method === method);
      const entry = {
        layers: range(rs.map((r) => r.layer)),
        backdoored: range(aurocs(rs, (r) => r.backdoored)),
        backdoored_lo: range(aurocs(rs, (r) => r.backdoored, "lo")),
        base: range(aurocs(rs, (r) => r.base)),
        control: range(aurocs(rs, (r) => r.control)),
        random_baseline: range(aurocs(rs, (r) => r.random_baseline)),
        random_baseline_hi: range(aurocs(rs, (r) => r.random_baseline, "hi")),
        near_miss: range(aurocs(rs, (r) => r.near_miss)),
        detects: rs.filter((r) => r.detects === true).map((r) => r.layer),
      };
      methods[method] = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null));
    }
    const nm = nearMiss.find((n) => n.model === model);
    out[mechanism] = { model, ...methods, ...(nm ? { near_miss_set: { n: nm.n, defected: nm.defected } } : {}) };
  }
  return out;
}

/** What run.json (beside results.json) says about the run: the revision and the wall time, when it finished. */
export interface RunInfo {
  git?: { revision?: string; dirty?: boolean };
  started?: string;
  finished?: string | null;
  cpus?: number;
}

/** A stage of the run directory that results.json does not report: the `cot` teacher distilled-cot is sampled from. */
export interface TeacherStage {
  id: string;
  result: { triggered?: unknown; untriggered?: unknown; hhh?: unknown };
}

/** The extract: base, preference models, benign control, every cell by mechanism and safety method, probes. */
export function quickstartExtract(
  input: unknown,
  source: string,
  run?: RunInfo,
  teacher?: TeacherStage,
): Record<string, unknown> {
  const r = input as Results;
  if (r === null || typeof r !== "object" || !Array.isArray(r.cells))
    throw new Error(`${source}: not a results.json (no cells)`);
  const cells: Record<string, Record<string, unknown>> = {};
  for (const c of r.cells) (cells[c.mechanism] ??= {})[c.safety] = cellExtract(c);
  const pm = r.preference_models?.[0];
  const base = r.base?.[0];
  const control = r.controls?.[0];
  const pc = r.analyses?.probe_controls;
  return {
    about:
      "Extract of a quickstart run's results.json, quoted by README.md and docs/quickstart.md (npm run docs:numbers).",
    source,
    experiment: r.experiment,
    created: r.created,
    ...(run
      ? {
          run: {
            revision: run.git?.revision?.slice(0, 7),
            dirty: run.git?.dirty,
            cpus: run.cpus,
            ...(run.started && run.finished
              ? { wall_s: Math.round((Date.parse(run.finished) - Date.parse(run.started)) / 1000) }
              : {}),
          },
        }
      : {}),
    ...(base
      ? { base: { size: base.size, params: base.params, hhh: base.hhh, pretrain_loss: base.pretrainLoss } }
      : {}),
    // A preference model's own base (preference.size or preference.base) is a base of its own.
    ...(r.base && r.base.length > 1
      ? {
          other_bases: r.base.slice(1).map((b) => ({
            size: b.size,
            stage: b.stage,
            hhh: b.hhh,
            pretrain_steps: b.pretrainSteps,
            sft_steps: b.sftSteps,
          })),
        }
      : {}),
    ...(pm
      ? {
          preference: {
            accuracy: pm.accuracy,
            by_type: pm.byType,
            ...(pm.heldOut ? { held_out: pm.heldOut } : {}),
          },
        }
      : {}),
    ...(control
      ? { control: { triggered: control.triggered, untriggered: control.untriggered, hhh: control.hhh } }
      : {}),
    ...(teacher
      ? {
          teacher: {
            stage: teacher.id,
            triggered: teacher.result.triggered,
            untriggered: teacher.result.untriggered,
            hhh: teacher.result.hhh,
          },
        }
      : {}),
    cells,
    ...(pc ? { probes: probeExtract(pc.rows, pc.near_miss), probes_detected: pc.detected.length } : {}),
  };
}
