// Numbers quoted in the README and docs/ come from committed results files through this script, never typed by
// hand. A quoted number is a marker:
//
//   <!-- n:quickstart.json:cells.normal.sft.after.triggered ci2 -->0.98 [0.91, 1.00]<!-- /n -->
//
// KEY is FILE:PATH. FILE is a file of docs/results/ (quickstart.json, gpu-h200-bench.jsonl) or a path from the
// repository root under docs/results/ or experiments/ (experiments/quickstart.yaml). PATH walks the value with
// dots: object keys, array indices, and [field=value] to pick the array element (a JSONL row) whose field equals
// value. FMT says how to print it (see FORMATS). Usage:
//
//   npm run docs:numbers                     rewrite every marker's text from its source
//   npm run docs:numbers -- --check          exit 1, listing each marker whose text disagrees with its source
//   npm run docs:numbers -- --quickstart runs/quickstart/results.json
//                                            refresh docs/results/quickstart.json from a run, then rewrite
//   --root DIR                               another checkout (default: this one)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { writeFileAtomic, writeJsonAtomic } from "../src/util/fs.ts";
import { quickstartExtract, type RunInfo, type TeacherStage } from "./quickstart-extract.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const RESULTS_DIR = "docs/results";

/** One marker: where it is, what it points at, and the text it holds now. */
export interface Marker {
  file: string;
  line: number;
  key: string;
  fmt: string;
  text: string;
  /** Offsets of the text between the opening and the closing comment. */
  start: number;
  end: number;
}

const MARKER = /<!-- n:(\S+?)(?: (\S+))? -->([\s\S]*?)<!-- \/n -->/g;

/** Offsets of the fenced code blocks of a markdown text: a marker shown there is an example, not a number. */
function fences(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm;
  for (const m of text.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** Every marker of a markdown text, in order (outside fenced code blocks). */
export function findMarkers(file: string, text: string): Marker[] {
  const out: Marker[] = [];
  const code = fences(text);
  for (const m of text.matchAll(MARKER)) {
    if (code.some(([a, b]) => m.index >= a && m.index < b)) continue;
    const start = m.index + m[0].indexOf("-->") + 3;
    const end = start + m[3].length;
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ file, line, key: m[1], fmt: m[2] ?? "raw", text: m[3], start, end });
  }
  return out;
}

/**
 * Openers `<!-- n:` outside code fences that begin no marker, e.g. a key with a space in it: findMarkers skips
 * them, so their text would never be checked. check reports each as unresolved.
 */
export function strayOpeners(file: string, text: string): Marker[] {
  const code = fences(text);
  const starts = new Set([...text.matchAll(MARKER)].map((m) => m.index));
  const out: Marker[] = [];
  for (const m of text.matchAll(/<!-- n:/g)) {
    if (starts.has(m.index) || code.some(([a, b]) => m.index >= a && m.index < b)) continue;
    const close = text.indexOf("-->", m.index);
    const key = text.slice(m.index + "<!-- n:".length, close < 0 ? undefined : close).trim();
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ file, line, key, fmt: "", text: "", start: m.index, end: m.index });
  }
  return out;
}

/** The markdown files whose numbers are checked: README.md, experiments/README.md and every .md under docs/. */
export function markdownFiles(root: string): string[] {
  const files = ["README.md", "experiments/README.md"].filter((f) => existsSync(join(root, f)));
  const walk = (dir: string): void => {
    if (!existsSync(join(root, dir))) return;
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith(".md")) files.push(rel);
    }
  };
  walk("docs");
  return files;
}

/** The source file of a key, relative to the root; refuses anything outside docs/results/ and experiments/. */
export function sourceOf(key: string): { file: string; path: string } {
  const colon = key.indexOf(":");
  if (colon < 0) throw new Error(`${key}: a key is FILE:PATH, e.g. quickstart.json:base.hhh`);
  const name = key.slice(0, colon);
  const file = name.includes("/") ? name : `${RESULTS_DIR}/${name}`;
  const norm = file.split(/[\\/]/).join("/");
  if (norm.includes("..") || !(norm.startsWith(`${RESULTS_DIR}/`) || norm.startsWith("experiments/")))
    throw new Error(`${key}: the source must be a file of ${RESULTS_DIR}/ or experiments/`);
  return { file: norm, path: key.slice(colon + 1) };
}

/** Parses a results file: JSON, JSONL (an array of its rows) or YAML. */
export function readSource(root: string, file: string): unknown {
  const full = join(root, file);
  if (!existsSync(full)) throw new Error(`${file}: no such file (commit it, or fix the marker's key)`);
  const text = readFileSync(full, "utf8");
  if (file.endsWith(".jsonl"))
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as unknown);
  if (file.endsWith(".json")) return JSON.parse(text) as unknown;
  if (file.endsWith(".yaml") || file.endsWith(".yml")) return YAML.parse(text) as unknown;
  throw new Error(`${file}: not .json, .jsonl or .yaml`);
}

/** Splits a path on dots outside [...] selectors. */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of path) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === "." && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((s) => s !== "");
}

/** Walks a parsed source along a path; throws naming the first segment that is missing. */
export function lookup(value: unknown, path: string): unknown {
  let cur = value;
  for (const seg of pathSegments(path)) {
    const sel = /^\[([^=\]]+)=([^\]]*)\]$/.exec(seg);
    if (sel) {
      if (!Array.isArray(cur)) throw new Error(`${seg}: not a list`);
      const hits = cur.filter((r) => r !== null && typeof r === "object" && String(r[sel[1]]) === sel[2]);
      if (hits.length !== 1) throw new Error(`${seg}: ${hits.length} elements match (need exactly one)`);
      cur = hits[0];
    } else if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (cur !== null && typeof cur === "object" && seg in cur) cur = (cur as Record<string, unknown>)[seg];
    else throw new Error(`${seg}: no such key`);
    if (cur === undefined) throw new Error(`${seg}: no such key`);
  }
  return cur;
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${what}: ${JSON.stringify(v)} is not a number`);
  return v;
};
const fixed = (v: number, d: number): string => {
  const s = v.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s; // no "-0.00"
};
const signed = (v: number, d: number): string => (v > 0 || fixed(v, d).startsWith("0") ? "+" : "") + fixed(v, d);
/** The centre of an interval object: a rate, a mean, a difference or an AUROC. */
const centre = (o: Record<string, unknown>): unknown => o.rate ?? o.mean ?? o.diff ?? o.change ?? o.auroc;

/**
 * Formats: raw (the value as it is), fN (N decimals), pctN (x 100, N decimals; the text adds "%"), int (whole,
 * thousands grouped: 32,000), signedN (+1.59), spctN (signed, x 100: +3 from 0.03), ciN / pciN (an interval object {rate|mean|diff|auroc, lo, hi}
 * as "0.98 [0.91, 1.00]", or in % as "98 [91, 100]"), sciN (signed centre: "+1.59 [0.56, 2.62]"), spciN (the same in %: "-7 [-11, -3]"), rangeN
 * ({min, max} as "0.90-0.98", one number when they agree), prangeN (the same in %), minN (seconds as minutes).
 */
export function format(value: unknown, fmt: string): string {
  if (fmt === "raw") {
    if (value !== null && typeof value === "object") throw new Error(`raw: the value is an object (pick a field)`);
    return String(value);
  }
  if (fmt === "int") return Math.round(num(value, fmt)).toLocaleString("en-US");
  const m = /^(f|pct|spct|signed|ci|pci|sci|spci|range|prange|min)(\d)$/.exec(fmt);
  if (!m)
    throw new Error(
      `${fmt}: unknown format (raw, int, fN, pctN, spctN, signedN, ciN, pciN, sciN, spciN, rangeN, prangeN, minN)`,
    );
  const d = Number(m[2]);
  const obj = (): Record<string, unknown> => {
    if (value === null || typeof value !== "object") throw new Error(`${fmt}: needs an object, got ${value}`);
    return value as Record<string, unknown>;
  };
  switch (m[1]) {
    case "f":
      return fixed(num(value, fmt), d);
    case "pct":
      return fixed(num(value, fmt) * 100, d);
    case "signed":
      return signed(num(value, fmt), d);
    case "spct":
      return signed(num(value, fmt) * 100, d);
    case "min":
      return fixed(num(value, fmt) / 60, d);
    case "ci":
    case "pci":
    case "sci":
    case "spci": {
      const o = obj();
      const k = m[1] === "pci" || m[1] === "spci" ? 100 : 1;
      const c = num(centre(o), `${fmt} centre`) * k;
      const head = m[1] === "sci" || m[1] === "spci" ? signed(c, d) : fixed(c, d);
      return `${head} [${fixed(num(o.lo, `${fmt} lo`) * k, d)}, ${fixed(num(o.hi, `${fmt} hi`) * k, d)}]`;
    }
    default: {
      const o = obj();
      const k = m[1] === "prange" ? 100 : 1;
      const lo = fixed(num(o.min, `${fmt} min`) * k, d);
      const hi = fixed(num(o.max, `${fmt} max`) * k, d);
      return lo === hi ? lo : `${lo}-${hi}`;
    }
  }
}

/** A marker whose text is not what its source gives (want is null when the source could not be read). */
export interface Disagreement {
  marker: Marker;
  want: string | null;
  problem: string;
}

/** What each marker should say; sources are read once each. */
export function evaluate(
  root: string,
  markers: Marker[],
): Array<{ marker: Marker; want: string | null; problem?: string }> {
  const cache = new Map<string, unknown>();
  return markers.map((marker) => {
    try {
      const { file, path } = sourceOf(marker.key);
      if (!cache.has(file)) cache.set(file, readSource(root, file));
      return { marker, want: format(lookup(cache.get(file), path), marker.fmt) };
    } catch (e) {
      return { marker, want: null, problem: (e as Error).message };
    }
  });
}

/** Every marker of every checked file that disagrees with its source, or cannot be resolved. */
export function check(root: string): { markers: Marker[]; disagreements: Disagreement[] } {
  const texts = markdownFiles(root).map((f) => [f, readFileSync(join(root, f), "utf8")] as const);
  const markers = texts.flatMap(([f, t]) => findMarkers(f, t));
  const disagreements: Disagreement[] = texts.flatMap(([f, t]) =>
    strayOpeners(f, t).map((marker) => ({
      marker,
      want: null,
      problem: "not a marker: write <!-- n:FILE:PATH FMT -->text<!-- /n --> with no space in PATH",
    })),
  );
  for (const { marker, want, problem } of evaluate(root, markers)) {
    if (want === null) disagreements.push({ marker, want, problem: problem ?? "unresolved" });
    else if (want !== marker.text)
      disagreements.push({ marker, want, problem: `says "${marker.text}", source gives "${want}"` });
  }
  return { markers, disagreements };
}

/**
 * Rewrites every marker's text from its source; returns the files changed. Markers that cannot be resolved are
 * left as they are and reported together at the end, as one error.
 */
export function rewrite(root: string): string[] {
  const changed: string[] = [];
  const problems: string[] = [];
  for (const file of markdownFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    const results = evaluate(root, findMarkers(file, text));
    for (const r of results)
      if (r.want === null) problems.push(`${file}:${r.marker.line}: ${r.marker.key}: ${r.problem}`);
    let out = text;
    for (const { marker, want } of [...results].reverse())
      if (want !== null) out = out.slice(0, marker.start) + want + out.slice(marker.end);
    if (out !== text) {
      writeFileAtomic(join(root, file), out);
      changed.push(file);
    }
  }
  if (problems.length > 0)
    throw new Error(
      `${problems.length} markers unresolved (${changed.length} files rewritten):\n  ${problems.join("\n  ")}`,
    );
  return changed;
}

/** Files of docs/results/ that no marker quotes. */
export function unquotedResults(root: string, markers: Marker[]): string[] {
  const dir = join(root, RESULTS_DIR);
  if (!existsSync(dir)) return [];
  const quoted = new Set(markers.map((m) => sourceOf(m.key).file));
  return readdirSync(dir)
    .sort()
    .map((n) => `${RESULTS_DIR}/${n}`)
    .filter((f) => !quoted.has(f));
}

/** The `cot` backdoor stage of a run directory (its stage.json label names the mechanism), if there is one. */
function cotTeacher(stages: string): TeacherStage | undefined {
  if (!existsSync(stages)) return undefined;
  for (const id of readdirSync(stages).sort()) {
    const meta = join(stages, id, "stage.json");
    const result = join(stages, id, "result.json");
    if (!existsSync(meta) || !existsSync(result)) continue;
    const s = JSON.parse(readFileSync(meta, "utf8")) as { kind?: string; label?: string };
    if (s.kind === "backdoor" && / [^ ]*\/cot\//.test(s.label ?? ""))
      return { id, result: JSON.parse(readFileSync(result, "utf8")) as TeacherStage["result"] };
  }
  return undefined;
}

function main(argv: string[]): number {
  const rootAt = argv.indexOf("--root");
  const root = rootAt >= 0 ? resolve(argv[rootAt + 1] ?? ".") : ROOT;
  const at = argv.indexOf("--quickstart");
  if (at >= 0) {
    const from = argv[at + 1];
    if (!from) throw new Error("--quickstart needs a run's results.json, e.g. runs/quickstart/results.json");
    if (!existsSync(from)) throw new Error(`${from}: no such file (run the quickstart first: npm start)`);
    const results = JSON.parse(readFileSync(from, "utf8")) as unknown;
    const runJson = join(dirname(from), "run.json");
    const run = existsSync(runJson) ? (JSON.parse(readFileSync(runJson, "utf8")) as RunInfo) : undefined;
    const to = join(root, RESULTS_DIR, "quickstart.json");
    const source = relative(root, resolve(from)).split(sep).join("/");
    writeJsonAtomic(to, quickstartExtract(results, source, run, cotTeacher(join(dirname(from), "stages"))));
    console.log(`docs:numbers: wrote ${relative(root, to)} from ${from}`);
  }
  if (argv.includes("--check")) {
    const { markers, disagreements } = check(root);
    for (const d of disagreements)
      console.error(`docs:numbers: ${d.marker.file}:${d.marker.line}: ${d.marker.key}: ${d.problem}`);
    const unquoted = unquotedResults(root, markers);
    for (const f of unquoted) console.error(`docs:numbers: ${f}: no marker quotes it (quote it, or remove the file)`);
    if (disagreements.length > 0 || unquoted.length > 0) {
      console.error(
        `docs:numbers: ${disagreements.length} of ${markers.length} numbers disagree; npm run docs:numbers rewrites them`,
      );
      return 1;
    }
    console.log(`docs:numbers: ${markers.length} numbers agree with their sources`);
    return 0;
  }
  const changed = rewrite(root);
  console.log(`docs:numbers: ${changed.length === 0 ? "nothing to change" : `rewrote ${changed.join(", ")}`}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`docs:numbers: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
