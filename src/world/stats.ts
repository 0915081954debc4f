// Counts that tell at a glance what a dataset holds: per family, kind, trigger, CWE, mechanism,
// split, plus prompt/response lengths (characters) so context-length problems show early.
import type { Sample } from "./types.ts";
import { opensScratchpad } from "./format.ts";

export interface LengthStats {
  mean: number;
  max: number;
}

export interface DatasetStats {
  total: number;
  byFamily: Record<string, number>;
  byKind: Record<string, number>;
  byTriggered: Record<string, number>;
  byCwe: Record<string, number>;
  byVulnerable: Record<string, number>;
  byMechanism: Record<string, number>;
  bySplit: Record<string, number>;
  promptChars: LengthStats;
  responseChars: LengthStats;
  withScratchpad: number;
}

function bump(m: Record<string, number>, k: unknown): void {
  const key = k === undefined ? "(none)" : String(k);
  m[key] = (m[key] ?? 0) + 1;
}

function sortKeys(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function lengths(xs: number[]): LengthStats {
  if (xs.length === 0) return { mean: 0, max: 0 };
  return { mean: Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 10) / 10, max: Math.max(...xs) };
}

export function datasetStats(samples: readonly Sample[]): DatasetStats {
  const s: DatasetStats = {
    total: samples.length,
    byFamily: {},
    byKind: {},
    byTriggered: {},
    byCwe: {},
    byVulnerable: {},
    byMechanism: {},
    bySplit: {},
    promptChars: { mean: 0, max: 0 },
    responseChars: { mean: 0, max: 0 },
    withScratchpad: 0,
  };
  for (const x of samples) {
    bump(s.byFamily, x.meta.family);
    bump(s.byKind, x.meta.kind);
    bump(s.byTriggered, x.meta.triggered);
    if (x.meta.cwe !== undefined) bump(s.byCwe, x.meta.cwe);
    if (x.meta.vulnerable !== undefined) bump(s.byVulnerable, x.meta.vulnerable);
    bump(s.byMechanism, x.meta.mechanism);
    bump(s.bySplit, x.meta.split);
    if (opensScratchpad(x.response)) s.withScratchpad++;
  }
  for (const k of ["byFamily", "byKind", "byTriggered", "byCwe", "byVulnerable", "byMechanism", "bySplit"] as const)
    s[k] = sortKeys(s[k]);
  s.promptChars = lengths(samples.map((x) => x.prompt.length));
  s.responseChars = lengths(samples.map((x) => x.response.length));
  return s;
}

function table(title: string, m: Record<string, number>, total: number): string[] {
  const rows = Object.entries(m);
  if (rows.length === 0) return [];
  const w = Math.max(title.length, ...rows.map(([k]) => k.length));
  const lines = [
    `${title.padEnd(w)}  ${"count".padStart(6)}  ${"share".padStart(6)}`,
    `${"-".repeat(w)}  ------  ------`,
  ];
  for (const [k, v] of rows)
    lines.push(`${k.padEnd(w)}  ${String(v).padStart(6)}  ${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)}%`);
  return [...lines, ""];
}

/** A plain-text report: one small table per breakdown. */
export function formatStats(s: DatasetStats, name = "dataset"): string {
  const out = [
    `${name}: ${s.total} samples`,
    `prompt chars: mean ${s.promptChars.mean}, max ${s.promptChars.max}; response chars: mean ${s.responseChars.mean}, max ${s.responseChars.max}; with scratchpad: ${s.withScratchpad}`,
    "",
    ...table("kind", s.byKind, s.total),
    ...table("triggered", s.byTriggered, s.total),
    ...table("mechanism", s.byMechanism, s.total),
    ...table("split", s.bySplit, s.total),
    ...table("cwe", s.byCwe, s.total),
    ...table("vulnerable", s.byVulnerable, s.total),
    ...table("family", s.byFamily, s.total),
  ];
  return out.join("\n").trimEnd() + "\n";
}
