// JSON Lines: read with per-line error reports (bad lines are reported, good ones still load),
// append one record at a time (for logs that a crashed run resumes from), and write atomically.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "./fs.ts";
import { errorFirstLine } from "./errors.ts";

export interface JsonlError {
  line: number; // 1-based
  reason: string;
}

export interface JsonlRead<T> {
  records: T[];
  errors: JsonlError[];
}

/**
 * Parse JSONL text. `validate` may throw to reject a record; its message becomes the reason.
 * A final line cut off mid-write (a crashed append) is reported like any other bad line.
 */
export function parseJsonl<T = unknown>(text: string, validate?: (v: unknown) => T): JsonlRead<T> {
  const records: T[] = [];
  const errors: JsonlError[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    try {
      const v = JSON.parse(raw) as unknown;
      records.push(validate ? validate(v) : (v as T));
    } catch (e) {
      errors.push({ line: i + 1, reason: errorFirstLine(e) });
    }
  }
  return { records, errors };
}

export function readJsonl<T = unknown>(path: string, validate?: (v: unknown) => T): JsonlRead<T> {
  if (!existsSync(path)) throw new Error(`${path}: no such file (check the path)`);
  return parseJsonl(readFileSync(path, "utf8"), validate);
}

export function writeJsonl(path: string, records: readonly unknown[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
}

/** Append one record as a whole line (a single write, so a kill leaves at most one torn last line). */
export function appendJsonl(path: string, record: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, JSON.stringify(record) + "\n");
}
