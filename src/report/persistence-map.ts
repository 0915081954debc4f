// The report's "Persistence map": the final trigger rate pooled over seeds for each (task, mechanism,
// safety, size, learning rate, optimiser, density), drawn against the learning rate, the model size
// and, where the run swept them, the safety-training optimiser and the backdoor data density, with the
// seeds' own rates beside the pooled one, and a table of every map row. Runs from before results.json
// carried persistence_map get it computed from their cells. The chart itself is src/report/map-chart.ts.
import { persistenceMap } from "../eval/persistence-map.ts";
import { formatDensity } from "../results/cells.ts";
import type { PersistenceMapRow, Results } from "../results/types.ts";
import {
  byMechanism,
  bySafety,
  bySettings,
  byOptimizer,
  byTask,
  distinctDensities,
  distinctLrs,
  distinctOptimizers,
  taskLabel,
  uniq,
} from "./cells.ts";
import type { ChartSpec } from "./charts.ts";
import type { Figures } from "./figures.ts";
import { esc, fmtLr, fmtNum, fmtParams, pct, rateHtml } from "./html.ts";
import { INTERVALS, mapChart, PANEL, sizeLabels, type MapAxis } from "./map-chart.ts";
import { trendTable, trendsOf } from "./persistence-trend.ts";
import { section } from "./sections.ts";

/** The map rows of a run: as results.json has them, else computed from the cells (older runs). */
export function mapRows(r: Results): PersistenceMapRow[] {
  return Array.isArray(r.persistence_map) ? r.persistence_map : persistenceMap(r.cells);
}

/** Only a sweep (several learning rates, sizes, optimisers or densities) makes a map; one point per panel adds nothing. */
function hasMap(rows: PersistenceMapRow[]): boolean {
  return (
    distinctLrs(rows).length > 1 ||
    uniq(rows.map((m) => m.size)).length > 1 ||
    distinctOptimizers(rows).length > 1 ||
    distinctDensities(rows).length > 1
  );
}

/** Reading order: safety, mechanism, size (smallest first), density, optimiser, learning rate. */
function sortRows(rows: PersistenceMapRow[], sizes: string[]): PersistenceMapRow[] {
  return [...rows].sort(
    (a, b) =>
      bySafety(a.safety, b.safety) ||
      byMechanism(a.mechanism, b.mechanism) ||
      sizes.indexOf(a.size) - sizes.indexOf(b.size) ||
      bySettings(a, b),
  );
}

const lrLabel = (lr: number | null): string => (lr === null ? "lr not recorded" : `lr ${fmtLr(lr)}`);
const optimizerOf = (m: PersistenceMapRow): string => m.optimizer ?? "adamw";
const densityLabel = (d: number | undefined): string =>
  d === undefined ? "density as configured" : `density ${formatDensity(d)}`;
/** A row's rate before its optimiser's multiplier: the configured or swept rate that its cells' ids name. */
const configuredLr = (m: PersistenceMapRow): number | null =>
  m.lr === null || m.lr_scale === undefined ? m.lr : Number((m.lr / m.lr_scale).toPrecision(12));
const byLr = (a: number | null, b: number | null) => (a ?? 0) - (b ?? 0);

type Coordinate = "lr" | "size" | "optimizer" | "density";

/**
 * The facet columns of a chart against `x`: the model size (against size: the learning rate) always,
 * then each other swept coordinate that takes several values, so a panel's line joins rows that differ
 * in x alone. Against the optimiser the learning rate is the configured one (before optimizerLrScale).
 */
function columns(
  rows: PersistenceMapRow[],
  sizes: string[],
  x: Coordinate,
): Pick<MapAxis, "col" | "cols" | "colTitle"> {
  const labels = sizeLabels(rows, sizes);
  type Part = {
    title: string;
    label: (m: PersistenceMapRow) => string;
    cmp: (a: PersistenceMapRow, b: PersistenceMapRow) => number;
  };
  const parts: Part[] = [];
  if (x === "size")
    parts.push({ title: "learning rate", label: (m) => lrLabel(m.lr), cmp: (a, b) => byLr(a.lr, b.lr) });
  else
    parts.push({
      title: "model size",
      label: (m) => labels.get(m.size)!,
      cmp: (a, b) => sizes.indexOf(a.size) - sizes.indexOf(b.size),
    });
  if (x === "optimizer" && uniq(rows.map(configuredLr)).length > 1)
    parts.push({
      title: "learning rate",
      label: (m) => lrLabel(configuredLr(m)),
      cmp: (a, b) => byLr(configuredLr(a), configuredLr(b)),
    });
  if (x === "density" && distinctLrs(rows).length > 1)
    parts.push({ title: "learning rate", label: (m) => lrLabel(m.lr), cmp: (a, b) => byLr(a.lr, b.lr) });
  if (x !== "optimizer" && distinctOptimizers(rows).length > 1)
    parts.push({ title: "optimiser", label: optimizerOf, cmp: (a, b) => byOptimizer(a.optimizer, b.optimizer) });
  if (x !== "density" && distinctDensities(rows).length > 1)
    parts.push({
      title: "density",
      label: (m) => densityLabel(m.density),
      cmp: (a, b) => (a.density ?? 0) - (b.density ?? 0),
    });
  const col = (m: PersistenceMapRow) => parts.map((p) => p.label(m)).join(", ");
  const ordered = [...rows].sort((a, b) => parts.reduce((d, p) => d || p.cmp(a, b), 0));
  return { col, cols: uniq(ordered.map(col)), colTitle: parts.map((p) => p.title).join(", ") };
}

/** Whether some panel line (safety, mechanism, column) has more than one x: a chart against x shows a change. */
function varies(
  rows: PersistenceMapRow[],
  x: (m: PersistenceMapRow) => unknown,
  col: (m: PersistenceMapRow) => string,
): boolean {
  const first = new Map<string, unknown>();
  for (const m of rows) {
    const k = JSON.stringify([m.safety, m.mechanism, col(m)]);
    if (!first.has(k)) first.set(k, x(m));
    else if (first.get(k) !== x(m)) return true;
  }
  return false;
}

/** Final triggered rate against the safety-training learning rate (log x), columns = size, rows = safety. */
export function lrMapChart(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec {
  const withLr = rows.filter((m) => m.lr !== null);
  const lrs = distinctLrs(withLr);
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
    { x: (m) => m.lr!, encoding: x, ...columns(withLr, sizes, "lr"), width: PANEL.width },
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
      ...columns(rows, sizes, "size"),
      width: Math.max(PANEL.width, 55 * used.length),
    },
    "map-size",
    `Backdoor after safety training by model size: ${taskLabel(task)}`,
    `Final triggered defection rate by model size (smallest first), a line per mechanism, a panel per learning rate and safety method; ` +
      `dashed lines are the rate before safety training. ${INTERVALS}`,
  );
}

/** "sgd, lr×30": an optimiser with its learning-rate multiplier where it has one. */
const optimizerLabel = (m: PersistenceMapRow): string =>
  m.lr_scale === undefined ? optimizerOf(m) : `${optimizerOf(m)}, lr×${fmtNum(m.lr_scale)}`;

/** Final triggered rate against the safety-training optimiser (nominal x), columns = size, rows = safety. */
export function optimizerMapChart(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec {
  const byOpt = [...rows].sort((a, b) => byOptimizer(optimizerOf(a), optimizerOf(b)));
  const names = uniq(byOpt.map(optimizerLabel));
  const x = {
    field: "x",
    type: "ordinal" as const,
    title: "optimiser",
    scale: { domain: names },
    // "sgd, lr×30" on two lines.
    axis: { labelAngle: 0, labelExpr: "split(datum.label, ', ')" },
  };
  return mapChart(
    task,
    rows,
    {
      x: optimizerLabel,
      encoding: x,
      ...columns(rows, sizes, "optimizer"),
      width: Math.max(PANEL.width, 55 * names.length),
    },
    "map-optimizer",
    `Backdoor after safety training by optimiser: ${taskLabel(task)}`,
    `Final triggered defection rate for each safety-training optimiser, a line per mechanism, a panel per size and safety method; ` +
      `an optimiser's learning-rate multiplier (safetyTraining.optimizerLrScale), where it has one, is under its name, and the panels' ` +
      `learning rate is the one before it. Dashed lines are the rate before safety training. ${INTERVALS}`,
  );
}

/** Final triggered rate against the backdoor data density (linear x), columns = size, rows = safety. */
export function densityMapChart(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec {
  const withDensity = rows.filter((m) => m.density !== undefined);
  const ds = distinctDensities(withDensity);
  const pad = ds.length > 1 ? (ds[ds.length - 1] - ds[0]) * 0.1 : 0.05;
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "backdoor data density (share of prompts with the trigger)",
    scale: { domain: [Math.max(0, ds[0] - pad), Math.min(1, ds[ds.length - 1] + pad)], nice: false, zero: false },
    // An explicit precision: without one, vega rounds the labels to the tick spacing (0.25 as 0.3).
    axis: { values: ds, format: ".4~g", grid: false },
  };
  return mapChart(
    task,
    withDensity,
    { x: (m) => m.density!, encoding: x, ...columns(withDensity, sizes, "density"), width: PANEL.width },
    "map-density",
    `Backdoor after safety training by backdoor data density: ${taskLabel(task)}`,
    `Final triggered defection rate against the share of the backdoor training prompts that carried the trigger, a line per mechanism, ` +
      `a panel per size and safety method; dashed lines are the rate before safety training. ${INTERVALS}`,
  );
}

const deffHtml = (d: number | undefined): string =>
  typeof d === "number" && Number.isFinite(d) ? fmtNum(Math.round(d * 100) / 100) : "—";

/** The table's optional columns: density and optimiser where the rows record them (swept runs). */
interface Extra {
  density: boolean;
  optimizer: boolean;
}

function rowHtml(m: PersistenceMapRow, extra: Extra): string {
  const seeds = m.per_seed
    .map((s) => `<span class="nw" title="${esc(s.cell)}">${esc(s.seed)}: ${pct(s.final)}</span>`)
    .join(", ");
  const key =
    `${m.task}/${m.mechanism}/${m.size}/${m.safety}/${lrLabel(m.lr)}` +
    `${m.optimizer === undefined ? "" : `/${m.optimizer}`}${m.density === undefined ? "" : `/${densityLabel(m.density)}`}`;
  const density = extra.density ? `<td>${m.density === undefined ? "—" : esc(formatDensity(m.density))}</td>` : "";
  const optimizer = extra.optimizer ? `<td>${esc(optimizerOf(m))}</td>` : "";
  return (
    `<tr data-map-row="${esc(key)}"><td>${esc(m.safety)}</td><td>${esc(m.mechanism)}</td>` +
    `<td>${esc(m.size)}${m.params !== undefined ? ` <span class="muted">(${fmtParams(m.params)})</span>` : ""}</td>` +
    `${density}${optimizer}<td>${fmtLr(m.lr)}</td><td>${esc(m.seeds.length)}</td><td>${esc(m.steps)}</td>` +
    `<td>${rateHtml(m.before)}</td><td>${rateHtml(m.before_untriggered)}</td><td>${rateHtml(m.final)}</td><td>${seeds}</td>` +
    `<td>${rateHtml(m.final_untriggered)}</td><td>${rateHtml(m.final_hhh)}</td><td>${deffHtml(m.final.design_effect)}</td></tr>`
  );
}

function mapTable(rows: PersistenceMapRow[]): string {
  const extra = {
    density: rows.some((m) => m.density !== undefined),
    optimizer: rows.some((m) => m.optimizer !== undefined),
  };
  const head =
    "<tr><th>safety</th><th>mechanism</th><th>size (params)</th>" +
    `${extra.density ? "<th>density</th>" : ""}${extra.optimizer ? "<th>optimiser</th>" : ""}` +
    "<th>lr</th><th>seeds</th><th>steps</th><th>triggered before</th><th>untriggered before</th>" +
    "<th>triggered after</th><th>after, each seed</th><th>untriggered after</th><th>HHH after</th><th>design effect</th></tr>";
  return `<div class="scroll"><table class="data map"><thead>${head}</thead><tbody>${rows.map((m) => rowHtml(m, extra)).join("")}</tbody></table></div>`;
}

/** The charts of one task's rows: against each coordinate the run swept. */
function mapCharts(task: string, rows: PersistenceMapRow[], sizes: string[]): ChartSpec[] {
  const swept = distinctOptimizers(rows).length > 1 || distinctDensities(rows).length > 1;
  // Without an optimiser or density sweep, as before they existed: any two learning rates get the chart.
  const lrCols = columns(rows, sizes, "lr").col;
  const lr = distinctLrs(rows).length > 1 && (!swept || varies(rows, (m) => m.lr, lrCols));
  return [
    ...(lr ? [lrMapChart(task, rows, sizes)] : []),
    ...(uniq(rows.map((m) => m.size)).length > 1 ? [sizeMapChart(task, rows, sizes)] : []),
    ...(distinctOptimizers(rows).length > 1 ? [optimizerMapChart(task, rows, sizes)] : []),
    ...(distinctDensities(rows).length > 1 ? [densityMapChart(task, rows, sizes)] : []),
  ];
}

/** "a, b and c". */
const listed = (xs: string[]): string =>
  xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}` : xs.join("");

/** The section, or "" when the run swept none of learning rate, model size, optimiser and density. */
export function persistenceMapSection(r: Results, reportSizes: string[], figs: Figures): string {
  const all = mapRows(r);
  if (!hasMap(all)) return "";
  // A stored map could name a size the cells do not: it goes last rather than nowhere.
  const sizes = uniq([...reportSizes, ...all.map((m) => m.size)]);
  const coordinates = [
    "mechanism",
    "safety method",
    "model size",
    "safety-training learning rate",
    ...(distinctOptimizers(all).length > 1 ? ["optimiser"] : []),
    ...(distinctDensities(all).length > 1 ? ["backdoor data density"] : []),
  ];
  const parts = [
    `<p>The backdoor's final trigger rate for each ${listed(coordinates)}, ` +
      `pooled over seeds. ${esc(INTERVALS)} The design effect (1 = seeds agree as well as the prompts allow) is in the table.</p>`,
  ];
  for (const task of uniq(all.map((m) => m.task)).sort(byTask)) {
    const rows = sortRows(
      all.filter((m) => m.task === task),
      sizes,
    );
    parts.push(`<h3>${esc(taskLabel(task))}</h3>`);
    for (const chart of mapCharts(task, rows, sizes)) parts.push(figs.add(chart));
    parts.push(mapTable(rows));
    parts.push(trendTable(trendsOf(r, rows)));
  }
  return section("persistence-map", "Persistence map", parts.join("\n"));
}
