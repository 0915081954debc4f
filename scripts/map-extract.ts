// The part of a persistence-map run's results.json that docs/persistence-map.md and the README quote: every
// map row (pooled rates with their intervals and each seed's final rate) and the fitted size trends, small
// enough to commit as docs/results/persistence-map.json. Runs whose results.json predates the trend field
// get the trends fitted here by the same code the report uses.
//
//   node --import tsx scripts/map-extract.ts RUN_DIR [--out docs/results/persistence-map.json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { persistenceMap } from "../src/eval/persistence-map.ts";
import { persistenceTrends } from "../src/eval/persistence-trend.ts";
import type { PersistenceMapRow, PersistenceTrend, PooledRate, Results } from "../src/results/types.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

/** "1e-4" for 0.0001; "all" and "default" as they are (no dots: docs keys split on them). */
const lrTag = (lr: number | null | "all"): string =>
  lr === "all" ? "all" : lr === null ? "default" : lr.toExponential().replace("e-", "em").replace(".", "p");

/** Coordinates beyond the map's usual ones (a swept optimiser or density), as key parts. */
function extraTags(row: object): string[] {
  const r = row as { optimizer?: string; density?: number };
  return [
    ...(r.optimizer !== undefined ? [`opt-${r.optimizer}`] : []),
    ...(r.density !== undefined ? [`density${String(r.density).replace(".", "p")}`] : []),
  ];
}

/** A row's key, e.g. "sft-normal-xs-lr1em4" (with "-opt-sgd" or "-density0p25" where those were swept). */
export const rowKey = (m: PersistenceMapRow): string =>
  [m.safety, m.mechanism, m.size, `lr${lrTag(m.lr)}`, ...extraTags(m)].join("-");

export const trendKey = (t: PersistenceTrend): string =>
  [t.safety, t.mechanism, `lr${lrTag(t.lr)}`, ...extraTags(t)].join("-");

const pooled = (p: PooledRate | undefined) =>
  p === undefined ? null : { rate: p.rate, lo: p.lo, hi: p.hi, n: p.n, design_effect: p.design_effect };

export function mapExtract(r: Results): Record<string, unknown> {
  const rows = Array.isArray(r.persistence_map) ? r.persistence_map : persistenceMap(r.cells);
  const trends = Array.isArray(r.persistence_trend) ? r.persistence_trend : persistenceTrends(rows);
  return {
    rows: Object.fromEntries(
      rows.map((m) => [
        rowKey(m),
        {
          params: m.params ?? null,
          seeds: m.seeds,
          steps: m.steps,
          before: pooled(m.before),
          final: pooled(m.final),
          final_untriggered: pooled(m.final_untriggered),
          final_hhh: pooled(m.final_hhh),
          per_seed: m.per_seed.map((s) => s.final),
        },
      ]),
    ),
    trends: Object.fromEntries(
      trends.map((t) => [
        trendKey(t),
        { sizes: t.sizes, params: t.params, points: t.points, slope: t.slope_per_decade, lo: t.lo, hi: t.hi },
      ]),
    ),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values: a, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string", default: "docs/results/persistence-map.json" } },
  });
  const run = positionals[0];
  if (!run) throw new Error("map-extract: give the run directory, e.g. runs/persistence-map");
  const r = JSON.parse(readFileSync(join(run, "results.json"), "utf8")) as Results;
  const out = mapExtract(r);
  if (Object.keys(out.rows as object).length === 0) throw new Error(`map-extract: ${run} has no persistence map`);
  writeJsonAtomic(a.out!, {
    source: `scripts/map-extract.ts on a run of ${r.experiment}; final trigger rates pooled over seeds (cluster-adjusted Wilson 95%), slopes per tenfold parameters with a seed-and-prompt bootstrap 95% interval`,
    ...out,
  });
  console.log(`map-extract: ${Object.keys(out.rows as object).length} rows -> ${a.out}`);
}
