// Turns zod issues into one-line messages that name the key path and where it came from: the YAML
// line (`experiments/x.yaml:12: safetyTraining.stepz: unknown key (did you mean steps?)`) or the
// `--set` flag that introduced it.
import { z } from "zod";
import { isMap, isPair, isSeq, type Document, type LineCounter, type Node } from "yaml";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Path = Array<string | number>;

function pathString(path: Path): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "(top level)";
}

/** Where a key path came from: a YAML document (with line numbers) and the --set overrides applied to it. */
export interface Source {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** Each --set flag as typed and the key path it set. */
  sets: Array<{ raw: string; path: Path }>;
}

const startsWith = (p: Path, prefix: Path) =>
  prefix.length <= p.length && prefix.every((x, i) => String(x) === String(p[i]));

/** "file:LINE" for a key path (its key's line when `key`, else its value's), or "--set a.b=c". */
export function locate(src: Source, path: Path, key = false): { where: string; line: number } {
  // A later --set wins over the file, so the last matching flag is the origin.
  // An unknown key may also be the first segment of a --set path that created it.
  for (let i = src.sets.length - 1; i >= 0; i--) {
    const sp = src.sets[i].path;
    if (startsWith(path, sp) || (key && startsWith(sp, path))) return { where: `--set ${src.sets[i].raw}`, line: -1 };
  }
  let node: unknown = src.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (it) => isPair(it) && String((it.key as { value?: unknown })?.value ?? it.key) === String(seg),
      );
      if (!pair) break;
      const k = pair.key as Node | null;
      const v = pair.value as Node | null;
      offset = (key && seg === path[path.length - 1] ? k?.range?.[0] : (v?.range?.[0] ?? k?.range?.[0])) ?? offset;
      node = v;
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
      node = node.items[seg];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  const line = src.lines.linePos(offset).line;
  return { where: `${src.file}:${line}`, line };
}

/** The schema of the value at `path`, unwrapping defaults, optionals and refinements. */
function schemaAt(schema: z.ZodTypeAny, path: Path): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = unwrap(schema);
  for (const seg of path) {
    if (!s) return undefined;
    if (s instanceof z.ZodObject) s = unwrap((s.shape as Record<string, z.ZodTypeAny>)[String(seg)]);
    else if (s instanceof z.ZodArray) s = unwrap(s.element as z.ZodTypeAny);
    else if (s instanceof z.ZodUnion)
      s = unwrap((s.options as z.ZodTypeAny[]).find((o) => unwrap(o) instanceof z.ZodObject));
    else return undefined;
  }
  return s;
}

export function unwrap(s: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  while (
    s instanceof z.ZodDefault ||
    s instanceof z.ZodOptional ||
    s instanceof z.ZodEffects ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodLazy
  ) {
    // A lazy schema (the registered analyses) is read as it is now.
    s =
      s instanceof z.ZodEffects
        ? s.innerType()
        : s instanceof z.ZodDefault
          ? s._def.innerType
          : s instanceof z.ZodLazy
            ? s.schema
            : s.unwrap();
  }
  return s;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function didYouMean(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const dist = levenshtein(word, o);
    if (dist < bestD) [best, bestD] = [o, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Words for what a schema accepts, for messages like `expected "auto" or an integer`. */
export function expected(s: z.ZodTypeAny | undefined): string {
  s = unwrap(s);
  if (!s) return "a valid value";
  if (s instanceof z.ZodLiteral) return JSON.stringify(s.value);
  if (s instanceof z.ZodEnum) return `one of: ${(s.options as string[]).join(", ")}`;
  if (s instanceof z.ZodNumber) return s.isInt ? "an integer" : "a number";
  if (s instanceof z.ZodString) return "a string";
  if (s instanceof z.ZodBoolean) return "true or false";
  if (s instanceof z.ZodArray) return "a list";
  if (s instanceof z.ZodObject) return "a mapping of keys";
  if (s instanceof z.ZodUnion) return (s.options as z.ZodTypeAny[]).map(expected).join(" or ");
  return "a valid value";
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

/** All problems of a failed parse as {line, text}, in file order, each text one line. */
export function describeIssues(
  err: z.ZodError,
  schema: z.ZodTypeAny,
  src: Source,
  raw: unknown,
): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const valueAt = (p: Path) =>
    p.reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined),
      raw,
    );
  for (const issue of err.issues) {
    const path = issue.path as Path;
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys((schemaAt(schema, path) as z.AnyZodObject | undefined)?.shape ?? {});
      for (const k of issue.keys) {
        const at = locate(src, [...path, k], true);
        const hint = didYouMean(k, known);
        const list = known.length ? `; known keys: ${known.join(", ")}` : "";
        out.push({
          line: at.line,
          text: `${at.where}: ${pathString([...path, k])}: unknown key${hint ? ` (did you mean ${hint}?)` : list}`,
        });
      }
      continue;
    }
    const at = locate(src, path);
    const value = valueAt(path);
    const name = pathString(path);
    let why: string;
    if (issue.code === "invalid_type" && value === undefined)
      why = `missing (required: ${expected(schemaAt(schema, path))})`;
    else if (issue.code === "invalid_enum_value") {
      const hint = typeof value === "string" ? didYouMean(value, issue.options.map(String)) : undefined;
      why = `bad value ${show(value)} (expected one of: ${issue.options.join(", ")}${hint ? `; did you mean ${hint}?` : ""})`;
    } else if (issue.code === "invalid_type" || issue.code === "invalid_union" || issue.code === "invalid_literal") {
      why = `bad value ${show(value)} (expected ${expected(schemaAt(schema, path))})`;
    } else if (issue.code === "custom") why = issue.message;
    else why = `bad value ${show(value)} (${issue.message.replace(/^\w/, (c) => c.toLowerCase())})`;
    out.push({ line: at.line, text: `${at.where}: ${name}: ${why}` });
  }
  return out.sort((a, b) => (a.line < 0 ? 1e9 : a.line) - (b.line < 0 ? 1e9 : b.line));
}
