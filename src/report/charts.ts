// Vega-Lite specs for the report's charts. Each builder returns a plain spec; render.ts turns it into
// SVG and PNG. Data is inlined so each spec is self-contained (also handy for debugging in the editor).
import type { TopLevelSpec } from "vega-lite";
import type { Cell, ProbeResult, RateCI } from "../results/types.ts";
import { rateFields, sortedCurve } from "../results/cells.ts";
import { byMechanism, bySafety, bySettings, sweptSettings, taskLabel, uniq } from "./cells.ts";

export interface ChartSpec {
  /** File-name-safe id: figures/<id>.svg and .png. */
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
const SERIES = ["triggered", "untriggered", "red-team"];
const SERIES_COLORS = ["#d62728", "#1f77b4", "#ff7f0e"];
export const MECH_COLORS: Record<string, string> = { normal: "#4c78a8", cot: "#e45756", "distilled-cot": "#54a24b" };

export const CONFIG = {
  font: FONT,
  background: "white",
  padding: 8,
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: "#eee" },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: "bold" as const },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "bottom" as const, symbolOpacity: 1 },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555" },
};

export function safeId(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "chart"
  );
}

export const LINE_LEGEND = { symbolType: "stroke", symbolStrokeWidth: 2, symbolSize: 300 };

/** The colour channel of a line chart's series: the ones `present`, each in its own colour of `colors` (parallel to `series`). */
export function seriesColor(present: readonly string[], series: readonly string[], colors: readonly string[]) {
  return {
    field: "series",
    type: "nominal" as const,
    title: null,
    scale: { domain: [...present], range: present.map((s) => colors[series.indexOf(s)]) },
    legend: LINE_LEGEND,
  };
}
const PANEL = { width: 165, height: 110 };
export const rateAxis = { format: ".0%", tickCount: 5 };
export const rateScale = { domain: [0, 1], clamp: true };

/**
 * Vega-Lite fills a row x column facet grid in order, so a missing combination (normal has no
 * sft-pre) would shift every later panel: one invisible placeholder row per missing panel, which the
 * data layers leave out and notRunLayer marks "not run".
 */
export function facetPlaceholders(
  rows: Array<Record<string, unknown>>,
  row: { field: string; values: string[] },
  col: { field: string; values: string[] },
  fill: Record<string, unknown>,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const rv of row.values) {
    for (const cv of col.values) {
      if (!rows.some((r) => r[row.field] === rv && r[col.field] === cv))
        out.push({ ...fill, [row.field]: rv, [col.field]: cv, placeholder: true });
    }
  }
  return out;
}

export function notRunLayer(panel: { width: number; height: number }) {
  return {
    transform: [{ filter: "datum.placeholder === true" }],
    mark: { type: "text" as const, text: "not run", color: "#999", fontSize: 11 },
    encoding: { x: { value: panel.width / 2 }, y: { value: panel.height / 2 } },
  };
}

/**
 * Triggered / untriggered / red-team defection over safety steps, one panel per mechanism x safety.
 * With a learning-rate, optimiser or density sweep the columns are safety x those settings, so one
 * panel never mixes them.
 */
export function persistenceChart(task: string, size: string, cells: Cell[]): ChartSpec {
  const swept = sweptSettings(cells);
  const suffix = (c: Cell): string =>
    swept
      .parts(c)
      .map((p) => `, ${p}`)
      .join("");
  const panelOf = (c: Cell): string => `${c.safety}${suffix(c)}`;
  const rows: Array<Record<string, unknown>> = [];
  for (const c of cells) {
    // The line's identity: seed alone would join the curves of one seed at several swept settings.
    const line = `seed ${c.seed}${suffix(c)}`;
    for (const p of sortedCurve(c)) {
      const add = (series: string, r: RateCI | undefined): void => {
        if (r)
          rows.push({ mechanism: c.mechanism, safety: panelOf(c), seed: line, step: p.step, series, ...rateFields(r) });
      };
      add("triggered", p.triggered);
      add("untriggered", p.untriggered);
      add("red-team", p.redteam);
    }
  }
  const mechs = uniq(cells.map((c) => c.mechanism)).sort(byMechanism);
  const ordered = [...cells].sort((a, b) => bySafety(a.safety, b.safety) || bySettings(a, b));
  const safeties = uniq(ordered.map(panelOf));
  rows.push(
    ...facetPlaceholders(
      rows,
      { field: "mechanism", values: mechs },
      { field: "safety", values: safeties },
      { seed: "", step: null, series: "triggered", rate: null, lo: null, hi: null, n: 0 },
    ),
  );
  const present = SERIES.filter((s) => rows.some((r) => r.series === s && r.rate !== null));
  const color = {
    field: "series",
    type: "nominal" as const,
    title: "prompts",
    scale: { domain: present, range: present.map((s) => SERIES_COLORS[SERIES.indexOf(s)]) },
  };
  // Steps differ by safety method, so each panel gets its own x scale; the title says what x is once.
  const x = { field: "step", type: "quantitative" as const, title: null };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: {
      text: `Backdoor persistence: ${taskLabel(task)}, size ${size}`,
      subtitle: "x: safety-training step (0 = backdoored model); y: defection rate; bands: 95% intervals",
    },
    config: CONFIG,
    data: { values: rows },
    facet: {
      row: { field: "mechanism", type: "nominal", title: "mechanism", sort: mechs },
      column: {
        field: "safety",
        type: "nominal",
        title: ["safety training", ...swept.titles].join(", "),
        sort: safeties,
      },
    },
    spec: {
      ...PANEL,
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { field: "lo", type: "quantitative" },
            y2: { field: "hi" },
            fill: color,
            detail: { field: "seed" },
          },
        },
        {
          mark: { type: "line", strokeWidth: 2 },
          encoding: {
            x,
            y: { field: "rate", type: "quantitative", title: "defection rate", axis: rateAxis, scale: rateScale },
            color,
            detail: { field: "seed" },
          },
        },
        {
          mark: { type: "point", filled: true, size: 18 },
          encoding: { x, y: { field: "rate", type: "quantitative" }, color },
        },
        notRunLayer(PANEL),
      ],
    },
    resolve: { scale: { x: "independent" } },
  };
  return {
    id: safeId(`persistence-${task}-${size}`),
    title: `${taskLabel(task)}, size ${size}`,
    caption:
      "Defection rate on held-out prompts with the trigger (red), without it (blue) and on red-team prompts (orange, where measured), " +
      "over safety-training steps; bands are 95% intervals; step 0 is the backdoored model.",
    spec,
  };
}

/** Probe AUROC by layer, a line per method, with the random-direction baseline dashed beside it. */
export function probesChart(probes: ProbeResult[]): ChartSpec {
  const rows: Array<Record<string, unknown>> = probes.map((p) => ({
    layer: p.layer,
    series: p.method,
    model: p.model ?? "backdoored model",
    auroc: p.auroc,
  }));
  // One baseline per (model, layer): the mean over the methods' recorded baselines.
  const base = new Map<string, { model: string; layer: number; sum: number; n: number }>();
  for (const p of probes) {
    if (typeof p.random_baseline_auroc !== "number") continue;
    const model = p.model ?? "backdoored model";
    const k = `${model}\u0000${p.layer}`;
    const b = base.get(k) ?? { model, layer: p.layer, sum: 0, n: 0 };
    b.sum += p.random_baseline_auroc;
    b.n += 1;
    base.set(k, b);
  }
  for (const b of base.values())
    rows.push({ layer: b.layer, series: "random baseline", model: b.model, auroc: b.sum / b.n });
  const series = uniq(rows.map((r) => String(r.series)));
  const palette = ["#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518", "#72b7b2"];
  const range = series.map((s, i) => (s === "random baseline" ? "#888" : palette[i % palette.length]));
  const minAuc = Math.min(0.5, ...rows.map((r) => Number(r.auroc)));
  const models = uniq(rows.map((r) => String(r.model)));
  const layer = {
    mark: { type: "line" as const, point: true, strokeWidth: 2 },
    encoding: {
      x: { field: "layer", type: "quantitative" as const, title: "layer", axis: { tickMinStep: 1, format: "d" } },
      y: {
        field: "auroc",
        type: "quantitative" as const,
        title: "AUROC",
        scale: { domain: [Math.floor(minAuc * 10) / 10, 1] },
      },
      color: {
        field: "series",
        type: "nominal" as const,
        title: "probe",
        scale: { domain: series, range },
        legend: LINE_LEGEND,
      },
      strokeDash: {
        field: "series",
        type: "nominal" as const,
        // Same field and title as color, so Vega-Lite merges them into one legend showing the dashes.
        title: "probe",
        legend: LINE_LEGEND,
        scale: { domain: series, range: series.map((s) => (s === "random baseline" ? [5, 4] : [1, 0])) },
      },
    },
  };
  const spec: TopLevelSpec =
    models.length > 1
      ? {
          $schema: "https://vega.github.io/schema/vega-lite/v5.json",
          title: { text: "Defection probes: AUROC by layer" },
          config: CONFIG,
          data: { values: rows },
          facet: { column: { field: "model", type: "nominal", title: "model" } },
          spec: { width: 220, height: 160, ...layer },
        }
      : {
          $schema: "https://vega.github.io/schema/vega-lite/v5.json",
          title: { text: "Defection probes: AUROC by layer" },
          config: CONFIG,
          data: { values: rows },
          width: 320,
          height: 180,
          ...layer,
        };
  return {
    id: "probes-auroc",
    title: "Probe AUROC by layer",
    caption:
      "AUROC of each probe method at each layer's residual stream; the dashed grey line is the random-direction baseline.",
    spec,
  };
}
