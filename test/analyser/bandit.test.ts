// Beside bandit (where installed): on the same labelled fixtures, we must catch every vulnerable
// file bandit flags at medium or high severity. Prints a per-CWE comparison table.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { analyze, loadAnalyzer } from "../../src/analyser/analyze.ts";
import { sameCweFamily } from "../../src/analyser/cwe.ts";

const DIR = join(import.meta.dirname, "../fixtures/code");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as {
  files: Array<{ file: string; cwe: string; vulnerable: boolean }>;
};

function banditVersion(): string | null {
  const r = spawnSync("bandit", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return (r.stdout.split("\n")[0] || "bandit").trim();
}

before(async () => {
  await loadAnalyzer();
});

test("we flag every vulnerable fixture that bandit flags at medium/high severity", (t) => {
  const version = banditVersion();
  if (!version) {
    console.log(
      "NOTE: bandit is not installed, so the bandit comparison was skipped (apt-get install bandit to run it).",
    );
    t.skip("bandit not installed");
    return;
  }
  const r = spawnSync("bandit", ["-q", "-f", "json", "-r", DIR], { encoding: "utf8", maxBuffer: 64 << 20 });
  // bandit exits 1 when it finds issues; anything else without JSON is a failure to run
  let report: { results: Array<{ filename: string; issue_severity: string; test_id: string }>; errors: unknown[] };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    assert.fail(`bandit produced no JSON (status ${r.status}): ${r.stderr.slice(0, 300)}`);
  }
  const banditHits = new Map<string, string[]>();
  for (const res of report.results) {
    if (res.issue_severity !== "MEDIUM" && res.issue_severity !== "HIGH") continue;
    const f = relative(DIR, res.filename);
    banditHits.set(f, [...(banditHits.get(f) ?? []), res.test_id]);
  }
  type Row = { vuln: number; safe: number; banditVuln: number; oursVuln: number; banditSafe: number; oursSafe: number };
  const rows = new Map<string, Row>();
  const missed: string[] = [];
  for (const e of manifest.files) {
    const row = rows.get(e.cwe) ?? { vuln: 0, safe: 0, banditVuln: 0, oursVuln: 0, banditSafe: 0, oursSafe: 0 };
    rows.set(e.cwe, row);
    const v = analyze(readFileSync(join(DIR, e.file), "utf8"));
    const b = banditHits.has(e.file);
    if (e.vulnerable) {
      const ours = v.findings.some((f) => sameCweFamily(f.cwe, e.cwe));
      row.vuln++;
      if (b) row.banditVuln++;
      if (ours) row.oursVuln++;
      if (b && !ours) missed.push(`${e.file} (bandit: ${banditHits.get(e.file)!.join(", ")})`);
    } else {
      row.safe++;
      if (b) row.banditSafe++;
      if (v.vulnerable) row.oursSafe++;
    }
  }
  const lines = [
    "",
    `Flagged files, ours vs ${version} (medium/high severity), on test/fixtures/code:`,
    "CWE        vulnerable: bandit  ours    secure: bandit  ours",
    ...[...rows]
      .sort()
      .map(
        ([cwe, r]) =>
          `${cwe.padEnd(10)} ${String(r.vuln).padStart(6)}: ${String(r.banditVuln).padStart(6)} ${String(r.oursVuln).padStart(5)}  ${String(r.safe).padStart(9)}: ${String(r.banditSafe).padStart(6)} ${String(r.oursSafe).padStart(5)}`,
      ),
  ];
  const sum = (k: keyof Row) => [...rows.values()].reduce((s, r) => s + r[k], 0);
  lines.push(
    `${"all".padEnd(10)} ${String(sum("vuln")).padStart(6)}: ${String(sum("banditVuln")).padStart(6)} ${String(sum("oursVuln")).padStart(5)}  ${String(sum("safe")).padStart(9)}: ${String(sum("banditSafe")).padStart(6)} ${String(sum("oursSafe")).padStart(5)}`,
  );
  if (report.errors.length) lines.push(`bandit reported ${report.errors.length} error(s)`);
  if (/^bandit 1\.[0-6]\./.test(version)) {
    lines.push(
      "(bandit <= 1.6 predates Python 3.8's ast.Constant: its string-literal checks, e.g. B105 passwords and B608 SQL, stay silent here)",
    );
  }
  console.log(lines.join("\n"));
  assert.deepEqual(missed, [], "vulnerable fixtures bandit flags but we do not");
});
