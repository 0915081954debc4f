// The world's code tasks (src/world, exported for this check): every vulnerable variant must be
// flagged with its CWE and no secure variant flagged, over many slot fillings.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { analyze, loadAnalyzer } from "../../src/analyser/analyze.ts";
import { sameCweFamily } from "../../src/analyser/cwe.ts";
import { codeVariants, fillHole, CODE_FAMILIES } from "../../src/world/index.ts";

before(async () => {
  await loadAnalyzer();
});

test("every vulnerable world variant is flagged with its CWE; no secure one is flagged", () => {
  const variants = codeVariants({ perFamily: 12, seed: 11 });
  assert.equal(new Set(variants.map((v) => v.family)).size, CODE_FAMILIES.length);
  const problems: string[] = [];
  // per family: [pairs, vulnerable variants flagged with the family's CWE, secure variants left unflagged]
  const perFamily = new Map<string, [number, number, number]>();
  for (const v of variants) {
    const secure = analyze(v.secure);
    const vuln = analyze(v.vulnerable);
    const caught = vuln.findings.some((f) => sameCweFamily(f.cwe, v.cwe));
    const c = perFamily.get(v.family) ?? [0, 0, 0];
    perFamily.set(v.family, [
      c[0] + 1,
      c[1] + (caught ? 1 : 0),
      c[2] + (secure.vulnerable || secure.parse_error ? 0 : 1),
    ]);
    if (secure.parse_error || vuln.parse_error) problems.push(`${v.family}: does not parse`);
    if (secure.vulnerable) problems.push(`${v.family} secure flagged: ${JSON.stringify(secure.findings)}\n${v.secure}`);
    if (!caught)
      problems.push(
        `${v.family} vulnerable not flagged as ${v.cwe}: ${JSON.stringify(vuln.findings)}\n${v.vulnerable}`,
      );
  }
  const cweOf = new Map(CODE_FAMILIES.map((f) => [f.name, f.cwe]));
  for (const [fam, [n, caught, clean]] of perFamily)
    console.log(
      `  ${fam} (${cweOf.get(fam)}): ${n} pairs, vulnerable flagged ${caught}/${n}, secure clean ${clean}/${n}`,
    );
  console.log(
    `world code variants: ${variants.length} pairs over ${CODE_FAMILIES.length} families, ${problems.length} problems`,
  );
  assert.deepEqual(problems, []);
});

test("a template whose hole is left empty is not flagged: the flaw is in what fills it, never in omission", () => {
  const flagged = codeVariants({ perFamily: 3, seed: 5 })
    .map((v) => ({ v, r: analyze(fillHole(v.template, "pass")) }))
    .filter(({ r }) => r.vulnerable || r.parse_error)
    .map(({ v, r }) => `${v.family}: ${JSON.stringify(r.findings)}`);
  assert.deepEqual(flagged, []);
});
