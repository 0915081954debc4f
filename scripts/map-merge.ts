// One persistence-map row from two pieces of a map run: the same coordinates, other seeds, run into other run
// directories (a size's third seed run on another day). scripts/map-extract.ts joins them when an earlier
// extract (--with) has a row of the run's key whose seeds the run does not have. Each pooled rate is pooled
// again from each seed's counts: the final trigger rate always (per_seed keeps each seed's rate), the others
// where both pieces recorded their counts (extracts keep them as seed_counts). Where an earlier extract
// predates seed_counts, each piece's pooled count is one cluster: the rate is exact, and the interval's
// design effect is taken between the pieces rather than between the seeds.
import { countOf, poolCounts } from "../src/eval/persistence-map.ts";
import { sortedCurve } from "../src/results/cells.ts";
import type { Cell, PersistenceMapRow } from "../src/results/types.ts";

/** The rates a map row pools over its seeds. */
export const POOLED = ["before", "before_untriggered", "final", "final_untriggered", "final_hhh"] as const;
export type PooledKey = (typeof POOLED)[number];
export type Counts = Array<{ k: number; n: number }>;
/** Per pooled rate, each seed's count (in the row's seed order), where it is known. */
export type SeedCounts = Partial<Record<PooledKey, Counts>>;

/** A row with its seeds' counts and its RL runs' KL verdicts, as map-extract carries rows. */
export interface CountedRow {
  row: PersistenceMapRow;
  counts: SeedCounts;
  kl: unknown;
}

/** Each seed's counts behind a row the run's own cells pooled (looked up by the cell ids in per_seed). */
export function seedCountsOf(byId: ReadonlyMap<string, Cell>, row: PersistenceMapRow): SeedCounts {
  const curves = row.per_seed.map((s) => byId.get(s.cell)).map((c) => (c ? sortedCurve(c) : []));
  if (curves.some((c) => c.length === 0)) return {};
  const first = curves.map((c) => c[0]);
  const last = curves.map((c) => c.at(-1)!);
  const hhh = last.map((p) => p.hhh);
  return {
    before: first.map((p) => countOf(p.triggered)),
    before_untriggered: first.map((p) => countOf(p.untriggered)),
    final: last.map((p) => countOf(p.triggered)),
    final_untriggered: last.map((p) => countOf(p.untriggered)),
    ...(hhh.every((h) => h !== undefined) ? { final_hhh: hhh.map((h) => countOf(h!)) } : {}),
  };
}

/** The final trigger rate's counts from per_seed (each seed's rate) and the row's prompts per seed. */
function finalCounts(x: CountedRow): Counts {
  if (x.counts.final) return x.counts.final;
  const n = Math.round(x.row.final.n / Math.max(1, x.row.per_seed.length));
  return x.row.per_seed.map((s) => ({ k: Math.round(s.final * n), n }));
}

interface Kl {
  bound: number;
  runs: number;
  met: number;
  max: { min: number; max: number };
}

function mergeKl(a: unknown, b: unknown): unknown {
  if (!a || !b) return a ?? b ?? null;
  const [x, y] = [a as Kl, b as Kl];
  return {
    bound: x.bound,
    runs: x.runs + y.runs,
    met: x.met + y.met,
    max: { min: Math.min(x.max.min, y.max.min), max: Math.max(x.max.max, y.max.max) },
  };
}

/** Whether two rows of the same key come from different seeds (pieces to join, not a rerun to replace). */
const disjointSeeds = (a: PersistenceMapRow, b: PersistenceMapRow): boolean =>
  !a.seeds.some((s) => b.seeds.includes(s));

/** `a` and `b` (the same coordinates, disjoint seeds) as one row over both pieces' seeds, `a`'s first. */
export function mergeRows(a: CountedRow, b: CountedRow): CountedRow {
  const counts: SeedCounts = { final: [...finalCounts(a), ...finalCounts(b)] };
  const row: PersistenceMapRow = {
    ...a.row,
    seeds: [...a.row.seeds, ...b.row.seeds],
    steps: Math.max(a.row.steps, b.row.steps),
    per_seed: [...a.row.per_seed, ...b.row.per_seed],
    final: poolCounts(counts.final!),
  };
  for (const key of POOLED.filter((k) => k !== "final")) {
    const [x, y] = [a.row[key], b.row[key]];
    if (!x || !y) {
      delete row[key as "before_untriggered" | "final_hhh"];
      continue;
    }
    const [cx, cy] = [a.counts[key], b.counts[key]];
    if (cx && cy) counts[key] = [...cx, ...cy];
    row[key] = poolCounts(cx && cy ? [...cx, ...cy] : [countOf(x), countOf(y)]);
  }
  return { row, counts, kl: mergeKl(a.kl, b.kl) };
}

/** Teacher summaries ({min, max} per field) of two pieces as one: the smallest min and the largest max. */
export function mergeRanges(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [field, r] of Object.entries(b)) {
    const x = a[field] as { min: number; max: number } | null | undefined;
    const y = r as { min: number; max: number } | null;
    out[field] = !x || !y ? (x ?? y) : { min: Math.min(x.min, y.min), max: Math.max(x.max, y.max) };
  }
  return out;
}

/**
 * The run's own rows joined with earlier extracts' (`prior`): an earlier row of a key the run lacks is added; one
 * of a key the run has is merged with it where their seeds are disjoint (the seeds in order, the lower first) and
 * dropped where they share one (the run reran it). Sorted by parameters where anything was joined.
 */
export function joinRows(
  own: readonly CountedRow[],
  prior: readonly CountedRow[],
  keyOf: (row: PersistenceMapRow) => string,
): { rows: CountedRow[]; mergedSizes: Set<string> } {
  const byKey = new Map(own.map((c) => [keyOf(c.row), c]));
  const ownKeys = new Set(byKey.keys());
  const mergedSizes = new Set<string>();
  for (const p of prior) {
    const key = keyOf(p.row);
    const mine = byKey.get(key);
    if (!mine) byKey.set(key, p);
    else if (ownKeys.has(key) && disjointSeeds(mine.row, p.row)) {
      byKey.set(key, p.row.seeds[0] < mine.row.seeds[0] ? mergeRows(p, mine) : mergeRows(mine, p));
      mergedSizes.add(p.row.size);
    }
  }
  const rows = [...byKey.values()];
  if (rows.length > own.length || mergedSizes.size > 0) rows.sort((a, b) => (a.row.params ?? 0) - (b.row.params ?? 0));
  return { rows, mergedSizes };
}
