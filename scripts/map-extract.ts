// The part of a persistence-map run's results.json that docs/persistence-map.md and the README quote: every
// map row (pooled rates with their intervals and each seed's final rate) and the fitted size trends, small
// enough to commit as docs/results/persistence-map.json. Runs whose results.json predates the trend field
// get the trends fitted here by the same code the report uses.
//
//   node --import tsx scripts/map-extract.ts RUN_DIR [--out docs/results/persistence-map.json] [--table]
//     [--with EARLIER_EXTRACT.json]...
//
// --with joins the rows of earlier extracts (a map run in pieces: other sizes or other seeds run elsewhere, into
// another run directory) to the run's own: where both have a row, the run's replaces it if they share a seed and
// is merged with it if not (scripts/map-merge.ts); the trends are fitted over all of them.
//
// --table also prints the map as markdown tables of docs markers, with and without each seed's rate (fill them
// with `npm run docs:numbers`).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { persistenceMap } from "../src/eval/persistence-map.ts";
import { persistenceTrends } from "../src/eval/persistence-trend.ts";
import type { PersistenceMapRow, PersistenceTrend, PooledRate, Results } from "../src/results/types.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { range } from "./quickstart-extract.ts";
import { extraCoords, priorRows, type PriorRow } from "./map-prior.ts";
import { joinRows, mergeRanges, seedCountsOf } from "./map-merge.ts";

/** "1e-4" for 0.0001; "all" and "default" as they are (no dots: docs keys split on them). */
const lrTag = (lr: number | null | "all"): string =>
  lr === "all" ? "all" : lr === null ? "default" : lr.toExponential().replace("e-", "em").replace(".", "p");

/** Coordinates beyond the map's usual ones (a swept optimiser or density), as key parts. */
const extraTags = (r: Pick<PersistenceMapRow, "optimizer" | "density">): string[] => [
  ...(r.optimizer !== undefined ? [`opt-${r.optimizer}`] : []),
  ...(r.density !== undefined ? [`density${String(r.density).replace(".", "p")}`] : []),
];

/** A row's key, e.g. "sft-normal-xs-lr1em4" (with "-opt-sgd" or "-density0p25" where those were swept). */
/** A row's setting beyond mechanism and size, in words: "lr 3e-4, sgd (lr x30), density 0.25". */
function rowSetting(m: PersistenceMapRow): string {
  const lr = m.lr === null ? "lr default" : `lr ${Number((m.lr / (m.lr_scale ?? 1)).toPrecision(6)).toExponential()}`;
  return [
    lr,
    ...(m.optimizer !== undefined ? [`${m.optimizer}${m.lr_scale !== undefined ? ` (lr x${m.lr_scale})` : ""}`] : []),
    ...(m.density !== undefined ? [`density ${m.density}`] : []),
  ].join(", ");
}

export const rowKey = (m: PersistenceMapRow): string =>
  [m.safety, m.mechanism, m.size, `lr${lrTag(m.lr)}`, ...extraTags(m)].join("-");

export const trendKey = (t: PersistenceTrend): string =>
  [t.safety, t.mechanism, `lr${lrTag(t.lr)}`, ...extraTags(t)].join("-");

const pooled = (p: PooledRate | undefined) =>
  p === undefined ? null : { rate: p.rate, lo: p.lo, hi: p.hi, n: p.n, design_effect: p.design_effect };

function trendEntries(trends: PersistenceTrend[]) {
  return Object.fromEntries(
    trends.map((t) => [
      trendKey(t),
      {
        sizes: t.sizes,
        params: t.params,
        points: t.points,
        slope: t.slope_per_decade,
        lo: t.lo,
        hi: t.hi,
        // The same in percentage points, as an interval object the docs' number markers format ("sci1").
        pp_per_decade: { change: t.slope_per_decade * 100, lo: t.lo * 100, hi: t.hi * 100 },
      },
    ]),
  );
}

/** The rows without their smallest size (by parameters): how much the trend leans on it. */
function withoutSmallest(rows: PersistenceMapRow[]): PersistenceMapRow[] {
  const sized = rows.filter((m) => m.params !== undefined);
  if (sized.length === 0) return [];
  const smallest = sized.reduce((a, m) => (m.params! < a.params! ? m : a)).size;
  return rows.filter((m) => m.size !== smallest);
}

/**
 * Per size (and density, where swept), over the seeds of the `distilled-cot` cells: the cot teacher's defection with and without the
 * trigger, the distilled set's size, and the distilled model's untriggered defection before safety
 * training (what each `distilled-cot` number should be read beside).
 */
function teacherRanges(r: Results): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cells = r.cells.filter((c) => c.mechanism === "distilled-cot" && c.backdoor?.teacher);
  // Where densities were swept each density has its own teachers: "xs-density0p1".
  const group = (c: (typeof cells)[number]) => [c.size, ...extraTags({ density: c.density })].join("-");
  for (const key of [...new Set(cells.map(group))]) {
    const bySeed = new Map(cells.filter((c) => group(c) === key).map((c) => [c.seed, c]));
    const seeds = [...bySeed.values()];
    out[key] = {
      teacher_triggered: range(seeds.map((c) => c.backdoor?.teacher?.triggered?.rate ?? NaN).filter(Number.isFinite)),
      teacher_untriggered: range(
        seeds.map((c) => c.backdoor?.teacher?.untriggered?.rate ?? NaN).filter(Number.isFinite),
      ),
      kept: range(seeds.map((c) => c.backdoor?.kept ?? NaN).filter(Number.isFinite)),
      untriggered_before: range(seeds.map((c) => c.curve[0]?.untriggered.rate ?? NaN).filter(Number.isFinite)),
    };
  }
  return out;
}

/** The KL verdicts of a row's RL runs: how many kept the bound, and the range of their maxima. */
function klOf(r: Results, m: PersistenceMapRow): Record<string, unknown> | null {
  const ids = new Set(m.per_seed.map((s) => s.cell));
  const kls = r.cells.filter((c) => ids.has(c.id) && c.rl).map((c) => c.rl!.kl);
  if (kls.length === 0) return null;
  return {
    bound: kls[0].bound,
    runs: kls.length,
    met: kls.filter((k) => k.met).length,
    max: range(kls.map((k) => k.max)),
  };
}

/** Over every RL run of the map's rows: how many kept their KL bound, and the range of the runs' maxima. */
function klTotal(perRow: readonly unknown[]): Record<string, unknown> | null {
  const ks = perRow.filter((k): k is { runs: number; met: number; max: { min: number; max: number } } => !!k);
  if (ks.length === 0) return null;
  return {
    runs: ks.reduce((n, k) => n + k.runs, 0),
    met: ks.reduce((n, k) => n + k.met, 0),
    max: { min: Math.min(...ks.map((k) => k.max.min)), max: Math.max(...ks.map((k) => k.max.max)) },
  };
}

/**
 * `prior`: rows of earlier extracts (scripts/map-prior.ts) joined to the run's own, with their recorded KL
 * verdicts; `priorExtras` their extracts' teacher summaries. An earlier row of a key the run also has is
 * replaced by the run's where they share a seed (a rerun), and merged with it where they do not (pieces of
 * one map run, scripts/map-merge.ts). Rows are ordered by size, smallest first.
 */
export function mapExtract(
  r: Results,
  prior: readonly PriorRow[] = [],
  priorExtras: ReadonlyArray<{ teachers?: Record<string, unknown> }> = [],
): Record<string, unknown> {
  const own = Array.isArray(r.persistence_map) ? r.persistence_map : persistenceMap(r.cells);
  // Each row with its seeds' counts and KL verdicts: the run's from its cells, an earlier row's as its extract recorded them.
  const cellsById = new Map(r.cells.map((c) => [c.id, c]));
  const { rows, mergedSizes } = joinRows(
    own.map((m) => ({ row: m, counts: seedCountsOf(cellsById, m), kl: klOf(r, m) })),
    prior,
    rowKey,
  );
  const fitted = rows.map((c) => c.row);
  const trends =
    Array.isArray(r.persistence_trend) && rows.length === own.length && mergedSizes.size === 0
      ? r.persistence_trend
      : persistenceTrends(fitted);
  // A size run in pieces has its teachers in both: their ranges are joined; otherwise the run's win.
  const teachers: Record<string, unknown> = Object.assign({}, ...priorExtras.map((x) => x.teachers ?? {}));
  for (const [key, t] of Object.entries(teacherRanges(r)))
    teachers[key] =
      mergedSizes.has(key.split("-")[0]) && teachers[key]
        ? mergeRanges(teachers[key] as Record<string, unknown>, t as Record<string, unknown>)
        : t;
  return {
    rows: Object.fromEntries(
      rows.map(({ row: m, counts, kl }) => [
        rowKey(m),
        {
          task: m.task,
          lr: m.lr,
          ...extraCoords(m),
          safety: m.safety,
          mechanism: m.mechanism,
          size: m.size,
          setting: rowSetting(m),
          params: m.params ?? null,
          seeds: m.seeds,
          steps: m.steps,
          before: pooled(m.before),
          before_untriggered: pooled(m.before_untriggered),
          final: pooled(m.final),
          final_untriggered: pooled(m.final_untriggered),
          final_hhh: pooled(m.final_hhh),
          per_seed: m.per_seed.map((s) => s.final),
          seed_counts: counts,
          kl,
        },
      ]),
    ),
    trends: trendEntries(trends),
    // The same fits without the smallest size, where three sizes remain.
    trends_without_smallest: trendEntries(persistenceTrends(withoutSmallest(fitted))),
    teachers,
    kl: klTotal(rows.map((c) => c.kl)),
  };
}

interface ExtractRow {
  safety: string;
  mechanism: string;
  size: string;
  setting: string;
  params: number | null;
  per_seed: number[];
}

/**
 * The map as a markdown table whose every number is a docs marker into `file` (filled and checked by
 * `npm run docs:numbers`): one row per safety, mechanism and setting (lr, optimiser, density), one column
 * per size, each cell the pooled final rate with its interval and (withSeeds) each seed's rate.
 */
export function markdownTable(extract: ReturnType<typeof mapExtract>, file: string, withSeeds = true): string {
  const rows = Object.entries(extract.rows as Record<string, ExtractRow>);
  const sizes = [...new Set(rows.map(([, r]) => r.size))];
  const groups = [...new Set(rows.map(([, r]) => `${r.safety}|${r.mechanism}|${r.setting}`))];
  const m = (key: string, fmt: string) => `<!-- n:${file}:${key} ${fmt} -->?<!-- /n -->`;
  const head = sizes.map((s) => `${s} (${m(`rows.${rows.find(([, r]) => r.size === s)![0]}.params`, "int")})`);
  const lines = [
    `| safety | mechanism | setting | ${head.join(" | ")} |`,
    `|---|---|---|${sizes.map(() => "---").join("|")}|`,
  ];
  for (const g of groups) {
    const [safety, mechanism, setting] = g.split("|");
    const cells = sizes.map((size) => {
      const hit = rows.find(([, r]) => `${r.safety}|${r.mechanism}|${r.setting}` === g && r.size === size);
      if (!hit) return "—";
      const [k, r] = hit;
      const seeds = r.per_seed.map((_, i) => m(`rows.${k}.per_seed.${i}`, "pct0")).join("/");
      return withSeeds ? `${m(`rows.${k}.final`, "pci0")} (${seeds})` : m(`rows.${k}.final`, "pci0");
    });
    lines.push(`| ${safety.toUpperCase()} | ${mechanism} | ${setting} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values: a, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string", default: "docs/results/persistence-map.json" },
      table: { type: "boolean", default: false },
      with: { type: "string", multiple: true, default: [] },
    },
  });
  const run = positionals[0];
  if (!run) throw new Error("map-extract: give the run directory, e.g. runs/persistence-map");
  const r = JSON.parse(readFileSync(join(run, "results.json"), "utf8")) as Results;
  const earlier = a.with!.map((f) => ({
    file: f,
    x: JSON.parse(readFileSync(f, "utf8")) as Parameters<typeof priorRows>[0] & { teachers?: Record<string, unknown> },
  }));
  const out = mapExtract(
    r,
    earlier.flatMap(({ file, x }) => priorRows(x, basename(file))),
    earlier.map(({ x }) => x),
  );
  if (Object.keys(out.rows as object).length === 0) throw new Error(`map-extract: ${run} has no persistence map`);
  const joined = earlier.length
    ? ` joined with the rows of ${earlier.map(({ file }) => basename(file)).join(", ")}`
    : "";
  writeJsonAtomic(a.out!, {
    source: `scripts/map-extract.ts on a run of ${r.experiment}${joined}; final trigger rates pooled over seeds (cluster-adjusted Wilson 95%), slopes per tenfold parameters with a seed-and-prompt bootstrap 95% interval`,
    ...out,
  });
  console.log(`map-extract: ${Object.keys(out.rows as object).length} rows -> ${a.out}`);
  if (a.table) console.log(`${markdownTable(out, basename(a.out!))}\n\n${markdownTable(out, basename(a.out!), false)}`);
}
