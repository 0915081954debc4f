// Progress for long work: one live line on a terminal, plain periodic lines otherwise (CI, logs).
// Each line shows resident memory, and a memory guard watches it (src/util/memory.ts).
import { envQuiet } from "./env.ts";
import { MemoryGuard, formatMb, rssBytes } from "./memory.ts";
export interface ProgressUpdate {
  step: number;
  total: number;
  loss?: number;
  extra?: string;
  tokensPerSec?: number;
}

export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;
  private readonly guard: MemoryGuard;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = envQuiet(),
  ) {
    this.tty = !!stream.isTTY && !process.env.CI;
    this.guard = new MemoryGuard(label);
  }

  update(u: ProgressUpdate): void {
    // The guard's warning is printed even when progress lines are not.
    const warning = this.guard.observe(u.step, u.total);
    if (warning) this.stream.write((this.tty ? "\r\x1b[K" : "") + warning + "\n");
    if (this.quiet) return;
    const now = Date.now();
    const last = u.step >= u.total;
    if (!last && now - this.lastPrint < (this.tty ? 200 : 10000)) return;
    this.lastPrint = now;
    const el = (now - this.start) / 1000;
    const eta = u.step > 0 ? (el / u.step) * (u.total - u.step) : NaN;
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
    parts.push(`${fmt(el)} elapsed`);
    if (!last && Number.isFinite(eta)) parts.push(`ETA ${fmt(eta)}`);
    const line = parts.join("  ");
    if (this.tty) this.stream.write(`\r\x1b[K${line}${last ? "\n" : ""}`);
    else this.stream.write(line + "\n");
  }

  log(msg: string): void {
    if (this.quiet) return;
    this.stream.write((this.tty ? "\r\x1b[K" : "") + msg + "\n");
  }
}

function fmt(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}
