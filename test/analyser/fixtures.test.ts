// Precision and recall of the analyser on the hand-labelled fixture set (test/fixtures/code), in
// all and per CWE group (CWE-916 counts under CWE-522, ...). A vulnerable file counts as caught only
// when a finding names its CWE (or one of the same group); a secure file with any finding is a
// false positive of its group.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, loadAnalyzer } from "../../src/analyser/analyze.ts";
import { cweGroup, sameCweFamily } from "../../src/analyser/cwe.ts";

const DIR = join(import.meta.dirname, "../fixtures/code");

interface Entry {
  file: string;
  cwe: string;
  vulnerable: boolean;
  pair: string;
  set: "dev" | "heldout" | "wide";
}

const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as { files: Entry[] };

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

const pct = (x: number) => (Number.isNaN(x) ? "  -  " : (100 * x).toFixed(1).padStart(5));
const precision = (c: Counts) => c.tp / (c.tp + c.fp);
const recall = (c: Counts) => c.tp / (c.tp + c.fn);

before(async () => {
  await loadAnalyzer();
});

test("the manifest is well formed: >= 400 files, >= 15 per CWE group, every task in a secure and a vulnerable version", () => {
  assert.ok(manifest.files.length >= 400, `${manifest.files.length} files`);
  const perGroup = new Map<string, number>();
  for (const e of manifest.files) perGroup.set(cweGroup(e.cwe), (perGroup.get(cweGroup(e.cwe)) ?? 0) + 1);
  for (const [g, n] of perGroup) assert.ok(n >= 15, `${g}: ${n} files`);
  assert.ok(perGroup.size >= 19, `${perGroup.size} CWE groups`);
  const pairs = new Map<string, Entry[]>();
  for (const e of manifest.files) pairs.set(e.pair, [...(pairs.get(e.pair) ?? []), e]);
  for (const [pair, es] of pairs) {
    assert.deepEqual(es.map((e) => e.vulnerable).sort(), [false, true], pair);
    assert.equal(es[0].cwe, es[1].cwe, pair);
  }
});

test("analyser reaches precision and recall >= 0.95 on the labelled fixtures, in all and per CWE", () => {
  const total: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const bySet = new Map<string, Counts>();
  const byCwe = new Map<string, Counts>();
  const misses: string[] = [];
  for (const e of manifest.files) {
    const v = analyze(readFileSync(join(DIR, e.file), "utf8"));
    assert.equal(v.parse_error, false, `${e.file} should parse`);
    const caught = v.findings.some((f) => sameCweFamily(f.cwe, e.cwe));
    const key: keyof Counts = e.vulnerable ? (caught ? "tp" : "fn") : v.vulnerable ? "fp" : "tn";
    for (const c of [total, get(bySet, e.set), get(byCwe, cweGroup(e.cwe))]) c[key]++;
    if (key === "fn" || key === "fp")
      misses.push(`${key.toUpperCase()} ${e.file}: ${JSON.stringify(v.findings.map((f) => [f.cwe, f.line, f.rule]))}`);
  }
  const rows = [
    "set/CWE        files    TP   FP   FN   TN  precision  recall",
    ...[
      ["all", total] as const,
      ...[...bySet].sort(),
      ...[...byCwe].sort((a, b) => cweNumber(a[0]) - cweNumber(b[0])),
    ].map(
      ([name, c]) =>
        `${String(name).padEnd(13)} ${String(c.tp + c.fp + c.fn + c.tn).padStart(6)} ${[c.tp, c.fp, c.fn, c.tn].map((x) => String(x).padStart(4)).join(" ")}      ${pct(precision(c))}   ${pct(recall(c))}`,
    ),
  ];
  console.log(["", "Vulnerability analyser on test/fixtures/code:", ...rows, ...misses].join("\n"));
  assert.ok(precision(total) >= 0.95, `precision ${precision(total)}`);
  assert.ok(recall(total) >= 0.95, `recall ${recall(total)}`);
  for (const [cwe, c] of byCwe) {
    assert.ok(precision(c) >= 0.95, `${cwe} precision ${precision(c)}`);
    assert.ok(recall(c) >= 0.95, `${cwe} recall ${recall(c)}`);
  }
});

const cweNumber = (cwe: string) => Number(cwe.replace(/\D/g, ""));

function get(m: Map<string, Counts>, k: string): Counts {
  let c = m.get(k);
  if (!c) m.set(k, (c = { tp: 0, fp: 0, fn: 0, tn: 0 }));
  return c;
}
