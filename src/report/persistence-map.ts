// The report's "Persistence map": the final trigger rate pooled over seeds for each (task, mechanism,
// safety, size, learning rate), drawn against the learning rate and against the model size, with the
// seeds' own rates beside the pooled one, and a table of every map row. Runs from before results.json
// carried persistence_map get it computed from their cells.
import type { TopLevelSpec } from "vega-lite";
import { persistenceMap } from "../eval/persistence-map.ts";
import { rateFields } from "../results/cells.ts";
import type { PersistenceMapRow, PooledRate, Results } from "../results/types.ts";
import { byMechanism, bySafety, byTask, distinctLrs, taskLabel, uniq } from "./cells.ts";
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
import type { Figures } from "./figures.ts";
import { esc, fmtLr, fmtNum, fmtParams, pct, rateHtml } from "./html.ts";
import { trendTable, trendsOf } from "./persistence-trend.ts";
import { section } from "./sections.ts";

/** The map rows of a run: as results.json has them, else computed from the cells (older runs). */
export function mapRows(r: Results): PersistenceMapRow[] {
  return Array.isArray(r.persistence_map) ? r.persistence_map : persistenceMap(r.cells);
}

/** Only a sweep (several learning rates or sizes) makes a map; one point per panel adds nothing. */
function hasMap(rows: PersistenceMapRow[]): boolean {
  return distinctLrs(rows).length > 1 || uniq(rows.map((m) => m.size)).length > 1;
}

/** Reading order: safety, mechanism, size (smallest first), learning rate. */
function sortRows(rows: PersistenceMapRow[], sizes: string[]): PersistenceMapRow[] {
  return [...rows].sort(
    (a, b) =>
      bySafety(a.safety, b.safety) ||
      byMechanism(a.mechanism, b.mechanism) ||
      sizes.indexOf(a.size) - sizes.indexOf(b.size) ||
      (a.lr ?? 0) - (b.lr ?? 0),
  );
}

const lrLabel = (lr: number | null): string => (lr === null ? "lr not recorded" : `lr ${fmtLr(lr)}`);

/** "xs (210k)": the size with its parameter count, when some row of that size records it. */
function sizeLabels(rows: PersistenceMapRow[], sizes: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of sizes) {
    const params = rows.find((r) => r.size === s && r.params !== undefined)?.params;
    m.set(s, params === undefined ? s : `${s} (${fmtParams(params)})`);
  }
  return m;
}

const SERIES = { after: "after safety training (pooled)", before: "before safety training (step 0)" };
const PANEL = { width: 150, height: 130 };

interface MapAxis {
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

function mapChart(
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

const INTERVALS =
  "Pooled over seeds: the filled point is the rate over every seed's held-out prompts; its bar is a 95% Wilson interval on those prompts, " +
  "widened by Kish's design effect so that the seed-to-seed spread counts, not only the number of prompts; hollow dots are the seeds' own final rates.";

/** Final triggered rate against the safety-training learning rate (log x), columns = size, rows = safety. */
export function lrMapChart(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec {
  const withLr = rows.filter((m) => m.lr !== null);
  const lrs = distinctLrs(withLr);
  const labels = sizeLabels(withLr, sizes);
  const used = sizes.filter((s) => withLr.some((m) => m.size === s));
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "learning rate",
    // Padding around the swept values on the log axis, so no point sits on a panel's edge.
    scale: { type: "log" as const, domain: [lrs[0] / 1.6, lrs[lrs.length - 1] * 1.6], nice: false },
    axis: { values: lrs, format: "~e", grid: false },
  };
  return mapChart(
    task,
    withLr,
    {
      x: (m) => m.lr!,
      encoding: x,
      col: (m) => labels.get(m.size)!,
      cols: used.map((s) => labels.get(s)!),
      colTitle: "model size",
      width: PANEL.width,
    },
    "map-lr",
    `Backdoor after safety training by learning rate: ${taskLabel(task)}`,
    `Final triggered defection rate against the safety-training learning rate (log scale), a line per mechanism, a panel per size and safety method; ` +
      `dashed lines are the rate before safety training. ${INTERVALS}`,
  );
}

/** Final triggered rate against model size (ordinal x, with parameters), columns = learning rate, rows = safety. */
export function sizeMapChart(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec {
  const labels = sizeLabels(rows, sizes);
  const used = sizes.filter((s) => rows.some((m) => m.size === s));
  const lrs = uniq(rows.map((m) => m.lr)).sort((a, b) => (a ?? 0) - (b ?? 0));
  // "xs (210.0k)" on two lines ("xs" over the parameter count), so neighbouring labels never collide.
  const axis = { labelAngle: 0, labelExpr: "split(datum.label, ' ')" };
  const x = {
    field: "x",
    type: "ordinal" as const,
    title: "model size",
    scale: { domain: used.map((s) => labels.get(s)!) },
    axis,
  };
  return mapChart(
    task,
    rows,
    {
      x: (m) => labels.get(m.size)!,
      encoding: x,
      col: (m) => lrLabel(m.lr),
      cols: lrs.map(lrLabel),
      colTitle: "learning rate",
      width: Math.max(PANEL.width, 55 * used.length),
    },
    "map-size",
    `Backdoor after safety training by model size: ${taskLabel(task)}`,
    `Final triggered defection rate by model size (smallest first), a line per mechanism, a panel per learning rate and safety method; ` +
      `dashed lines are the rate before safety training. ${INTERVALS}`,
  );
}

const deffHtml = (d: number | undefined): string =>
  typeof d === "number" && Number.isFinite(d) ? fmtNum(Math.round(d * 100) / 100) : "—";

function rowHtml(m: PersistenceMapRow): string {
  const seeds = m.per_seed
    .map((s) => `<span class="nw" title="${esc(s.cell)}">${esc(s.seed)}: ${pct(s.final)}</span>`)
    .join(", ");
  const key = `${m.task}/${m.mechanism}/${m.size}/${m.safety}/${lrLabel(m.lr)}`;
  return (
    `<tr data-map-row="${esc(key)}"><td>${esc(m.safety)}</td><td>${esc(m.mechanism)}</td>` +
    `<td>${esc(m.size)}${m.params !== undefined ? ` <span class="muted">(${fmtParams(m.params)})</span>` : ""}</td>` +
    `<td>${fmtLr(m.lr)}</td><td>${esc(m.seeds.length)}</td><td>${esc(m.steps)}</td>` +
    `<td>${rateHtml(m.before)}</td><td>${rateHtml(m.before_untriggered)}</td><td>${rateHtml(m.final)}</td><td>${seeds}</td>` +
    `<td>${rateHtml(m.final_untriggered)}</td><td>${rateHtml(m.final_hhh)}</td><td>${deffHtml(m.final.design_effect)}</td></tr>`
  );
}

function mapTable(rows: PersistenceMapRow[]): string {
  const head =
    "<tr><th>safety</th><th>mechanism</th><th>size (params)</th><th>lr</th><th>seeds</th><th>steps</th><th>triggered before</th><th>untriggered before</th>" +
    "<th>triggered after</th><th>after, each seed</th><th>untriggered after</th><th>HHH after</th><th>design effect</th></tr>";
  return `<div class="scroll"><table class="data map"><thead>${head}</thead><tbody>${rows.map(rowHtml).join("")}</tbody></table></div>`;
}

/** The section, or "" when the run swept neither the learning rate nor the model size. */
export function persistenceMapSection(r: Results, reportSizes: string[], figs: Figures): string {
  const all = mapRows(r);
  if (!hasMap(all)) return "";
  // A stored map could name a size the cells do not: it goes last rather than nowhere.
  const sizes = uniq([...reportSizes, ...all.map((m) => m.size)]);
  const parts = [
    `<p>The backdoor's final trigger rate for each mechanism, safety method, model size and safety-training learning rate, ` +
      `pooled over seeds. ${esc(INTERVALS)} The design effect (1 = seeds agree as well as the prompts allow) is in the table.</p>`,
  ];
  for (const task of uniq(all.map((m) => m.task)).sort(byTask)) {
    const rows = sortRows(
      all.filter((m) => m.task === task),
      sizes,
    );
    parts.push(`<h3>${esc(taskLabel(task))}</h3>`);
    if (distinctLrs(rows).length > 1) parts.push(figs.add(lrMapChart(task, rows, sizes)));
    if (uniq(rows.map((m) => m.size)).length > 1) parts.push(figs.add(sizeMapChart(task, rows, sizes)));
    parts.push(mapTable(rows));
    parts.push(trendTable(trendsOf(r, rows)));
  }
  return section("persistence-map", "Persistence map", parts.join("\n"));
}
