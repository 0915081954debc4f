// The verdict's confidence threshold is chosen on the fixture corpus (test/fixtures/code) only:
// the candidate confidence maximising TPR - FPR, the lowest on a tie. This test recomputes the
// choice and fails when DEFAULT_THRESHOLD no longer matches it.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, loadAnalyzer } from "../../src/analyser/analyze.ts";
import { DEFAULT_THRESHOLD } from "../../src/analyser/confidence.ts";
import { sameCweFamily } from "../../src/analyser/cwe.ts";

const DIR = join(import.meta.dirname, "../fixtures/code");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as {
  files: Array<{ file: string; cwe: string; vulnerable: boolean }>;
};

before(async () => {
  await loadAnalyzer();
});

test("DEFAULT_THRESHOLD is the fixture corpus's choice", () => {
  const scored = manifest.files.map((e) => ({
    e,
    findings: analyze(readFileSync(join(DIR, e.file), "utf8"), { threshold: 0 }).findings,
  }));
  const candidates = [...new Set(scored.flatMap((s) => s.findings.map((f) => f.confidence)))].sort((a, b) => a - b);
  assert.ok(candidates.length >= 2, `confidences seen: ${candidates}`);
  const rows: string[] = ["threshold   TPR     FPR     J"];
  let best = { t: NaN, j: -Infinity };
  for (const t of candidates) {
    let tp = 0,
      pos = 0,
      fp = 0,
      neg = 0;
    for (const { e, findings } of scored) {
      const kept = findings.filter((f) => f.confidence >= t);
      if (e.vulnerable) {
        pos++;
        if (kept.some((f) => sameCweFamily(f.cwe, e.cwe))) tp++;
      } else {
        neg++;
        if (kept.length) fp++;
      }
    }
    const j = tp / pos - fp / neg;
    rows.push(`${t.toFixed(2).padStart(9)}  ${(tp / pos).toFixed(3)}  ${(fp / neg).toFixed(3)}  ${j.toFixed(3)}`);
    if (j > best.j + 1e-12) best = { t, j };
  }
  console.log(["", "Threshold sweep on test/fixtures/code:", ...rows, `chosen: ${best.t}`].join("\n"));
  assert.equal(DEFAULT_THRESHOLD, best.t);
});
