// The persistence map's chart (src/report/persistence-map.ts draws it against each swept coordinate):
// the final trigger rate pooled over seeds, a line per mechanism, a row of panels per safety method and
// a column per setting of the other coordinates, with the before-training rate dashed, 95% intervals
// and each seed's own rate.
import type { TopLevelSpec } from "vega-lite";
import { rateFields } from "../results/cells.ts";
import type { PersistenceMapRow, PooledRate } from "../results/types.ts";
import { byMechanism, bySafety, uniq } from "./cells.ts";
import {
  CONFIG,
  facetPlaceholders,
  LINE_LEGEND,
  MECH_COLORS,
  notRunLayer,
  rateAxis,
  rateScale,
  safeId,
  type ChartSpec,
} from "./charts.ts";
import { fmtParams } from "./html.ts";

/** "xs (210k)": the size with its parameter count, when some row of that size records it. */
export function sizeLabels(rows: PersistenceMapRow[], sizes: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of sizes) {
    const params = rows.find((r) => r.size === s && r.params !== undefined)?.params;
    m.set(s, params === undefined ? s : `${s} (${fmtParams(params)})`);
  }
  return m;
}

const SERIES = { after: "after safety training (pooled)", before: "before safety training (step 0)" };
export const PANEL = { width: 150, height: 130 };

export interface MapAxis {
  /** The x value of a row, and its encoding (shared by every layer). */
  x: (m: PersistenceMapRow) => string | number;
  encoding: Record<string, unknown>;
  /** The facet column: a row's value, the columns in order, the header title. */
  col: (m: PersistenceMapRow) => string;
  cols: string[];
  colTitle: string;
  width: number;
}

/**
 * One record per pooled rate (after and before safety training) and per seed's final rate, each
 * tagged with its facet panel, plus placeholders for panels no row fills.
 */
function mapData(rows: PersistenceMapRow[], axis: Pick<MapAxis, "x" | "col" | "cols">): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const m of rows) {
    const at = { mechanism: m.mechanism, safety: m.safety, col: axis.col(m), x: axis.x(m) };
    const pooled = (kind: "after" | "before", p: PooledRate) =>
      out.push({ ...at, kind, series: SERIES[kind], ...rateFields(p), design_effect: p.design_effect });
    pooled("after", m.final);
    pooled("before", m.before);
    for (const s of m.per_seed) out.push({ ...at, kind: "seed", seed: s.seed, cell: s.cell, rate: s.final });
  }
  const safeties = uniq(rows.map((m) => m.safety)).sort(bySafety);
  out.push(
    ...facetPlaceholders(
      out,
      { field: "safety", values: safeties },
      { field: "col", values: axis.cols },
      { kind: "none" },
    ),
  );
  return out;
}

export function mapChart(
  task: string,
  rows: PersistenceMapRow[],
  axis: MapAxis,
  id: string,
  title: string,
  caption: string,
): ChartSpec {
  const mechs = uniq(rows.map((m) => m.mechanism)).sort(byMechanism);
  const color = {
    field: "mechanism",
    type: "nominal" as const,
    scale: { domain: mechs, range: mechs.map((m) => MECH_COLORS[m] ?? "#888") },
  };
  // Dashed = before, solid = after: one legend for the line styles, beside the mechanism colours.
  const dash = {
    field: "series",
    type: "nominal" as const,
    title: null,
    legend: { ...LINE_LEGEND, labelLimit: 400 },
    scale: {
      domain: [SERIES.after, SERIES.before],
      range: [
        [1, 0],
        [5, 3],
      ],
    },
  };
  const x = axis.encoding;
  const y = {
    field: "rate",
    type: "quantitative" as const,
    title: "final triggered defection",
    axis: rateAxis,
    scale: rateScale,
  };
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  // One seed: nothing is pooled, and a hollow dot would only repeat the point, so the chart says so.
  const oneSeed = uniq(rows.flatMap((m) => m.seeds)).length <= 1;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: {
      text: title,
      subtitle: oneSeed
        ? "one seed: points are its final rates, bars 95% Wilson intervals over the prompts; dashed: before safety training"
        : "points: pooled over seeds, bars 95% intervals; hollow dots: each seed; dashed: before safety training",
    },
    config: CONFIG,
    data: { values: mapData(rows, axis) },
    facet: {
      row: {
        field: "safety",
        type: "nominal",
        title: "safety training",
        sort: uniq(rows.map((m) => m.safety)).sort(bySafety),
      },
      column: { field: "col", type: "nominal", title: axis.colTitle, sort: axis.cols },
    },
    spec: {
      width: axis.width,
      height: PANEL.height,
      layer: [
        {
          transform: only("before"),
          mark: { type: "line", strokeWidth: 1.5, opacity: 0.5 },
          encoding: { x, y, color, strokeDash: dash },
        },
        {
          transform: only("after"),
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
        },
        {
          transform: only("after"),
          mark: { type: "line", strokeWidth: 2 },
          encoding: { x, y, color, strokeDash: dash },
        },
        {
          transform: only("after"),
          mark: { type: "point", filled: true, size: 45, opacity: 1 },
          encoding: { x, y, color },
        },
        ...(oneSeed
          ? []
          : [
              {
                transform: only("seed"),
                mark: { type: "point" as const, filled: false, size: 22, opacity: 0.6 },
                encoding: { x, y, color },
              },
            ]),
        notRunLayer({ width: axis.width, height: PANEL.height }),
      ],
    },
  };
  return { id: safeId(`${id}-${task}`), title, caption, spec };
}

export const INTERVALS =
  "Pooled over seeds: the filled point is the rate over every seed's held-out prompts; its bar is a 95% Wilson interval on those prompts, " +
  "widened by Kish's design effect so that the seed-to-seed spread counts, not only the number of prompts; hollow dots are the seeds' own final rates.";
