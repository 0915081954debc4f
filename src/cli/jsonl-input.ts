// Reading a JSONL input file for a command: a missing path, a directory or a file with no valid line is one
// error line; bad lines among good ones are warnings (or, with --strict, the error).
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseJsonl, type JsonlError } from "../util/jsonl.ts";
import type { Out } from "./output.ts";

/** Read JSONL, warning about bad lines (or failing on them with --strict) before anything is written. */
export function loadLines<T>(path: string, validate: (v: unknown) => T, strict: boolean, warnOut: Out): T[] {
  if (!existsSync(path)) throw new Error(`${path}: no such file (check the path)`);
  if (statSync(path).isDirectory()) throw new Error(`${path}: is a directory; give a JSONL file`);
  const { records, errors } = parseJsonl(readFileSync(path, "utf8"), validate);
  // No valid line at all: the file is not what was meant, and one line says so (no warning per line first).
  if (records.length === 0 && errors.length > 0)
    throw new Error(
      `${path}: no valid records, not a JSONL file of this kind? (${errors.length} bad line(s); line ${errors[0].line}: ${errors[0].reason})`,
    );
  reportErrors(path, errors, strict, warnOut);
  return records;
}

function reportErrors(path: string, errors: JsonlError[], strict: boolean, warnOut: Out): void {
  if (errors.length === 0) return;
  if (strict)
    throw new Error(
      `${path}:${errors[0].line}: ${errors[0].reason} (${errors.length} bad line(s); fix them or drop --strict to skip them)`,
    );
  for (const e of errors.slice(0, 20)) warnOut(`warning: ${path}:${e.line}: ${e.reason} (line skipped)`);
  if (errors.length > 20) warnOut(`warning: ... and ${errors.length - 20} more bad lines`);
}
