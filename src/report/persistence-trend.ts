// The persistence map's size trend as a table: per safety method, mechanism and learning rate, the fitted
// change of the final trigger rate per tenfold increase in parameters with its 95% interval, and what the
// interval lets one say. Runs whose results.json predates the field get the trends computed from the map.
import { persistenceTrends } from "../eval/persistence-trend.ts";
import type { PersistenceMapRow, PersistenceTrend, Results } from "../results/types.ts";
import { byMechanism, bySafety } from "./cells.ts";
import { esc, fmtLr, fmtParams } from "./html.ts";

/** The trends of a task's map rows: as results.json has them, else fitted here. */
export function trendsOf(r: Results, rows: PersistenceMapRow[]): PersistenceTrend[] {
  const task = rows[0]?.task;
  const stored = Array.isArray(r.persistence_trend) ? r.persistence_trend : persistenceTrends(rows);
  return stored.filter((t) => t.task === task);
}

/** Percentage points with a sign, one decimal. */
const pp = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}` : "—");

/** What the interval allows one to say about larger models. */
export function trendVerdict(t: Pick<PersistenceTrend, "lo" | "hi">): string {
  if (t.lo > 0) return "larger models keep more";
  if (t.hi < 0) return "larger models keep less";
  return "cannot tell";
}

/** A swept optimiser or density, after the mechanism. */
const extra = (t: PersistenceTrend): string =>
  [t.optimizer, t.density === undefined ? undefined : `density ${t.density}`]
    .filter((x) => x !== undefined)
    .map((x) => ` <span class="muted">(${esc(x)})</span>`)
    .join("");

const lrOrder = (lr: PersistenceTrend["lr"]): number => (lr === "all" ? Infinity : (lr ?? 0));

function rowHtml(t: PersistenceTrend): string {
  const span = `${esc(t.sizes[0])}–${esc(t.sizes.at(-1))} (${fmtParams(t.params[0])}–${fmtParams(t.params.at(-1))}, ${t.sizes.length} sizes)`;
  return (
    `<tr data-trend="${esc(`${t.safety}/${t.mechanism}/${t.lr}`)}"><td>${esc(t.safety)}</td><td>${esc(t.mechanism)}${extra(t)}</td>` +
    `<td>${t.lr === "all" ? "all (one intercept each)" : fmtLr(t.lr)}</td><td>${span}</td><td>${esc(t.points)}</td>` +
    `<td class="nw">${pp(t.slope_per_decade)} [${pp(t.lo)}, ${pp(t.hi)}]</td><td>${esc(trendVerdict(t))}</td></tr>`
  );
}

/** The table, or "" when no group spans enough sizes to fit. */
export function trendTable(trends: PersistenceTrend[]): string {
  if (trends.length === 0) return "";
  const rows = [...trends].sort(
    (a, b) => bySafety(a.safety, b.safety) || byMechanism(a.mechanism, b.mechanism) || lrOrder(a.lr) - lrOrder(b.lr),
  );
  const head =
    "<tr><th>safety</th><th>mechanism</th><th>lr</th><th>sizes</th><th>points</th>" +
    "<th>change per 10x parameters (pp) [95%]</th><th>reading</th></tr>";
  return (
    `<p>Size trend: the least-squares change of the final trigger rate per tenfold increase in parameters, over every ` +
    `seed's own rate (one intercept per learning rate in the "all" rows); the interval is a bootstrap that resamples ` +
    `seeds within each size and redraws each seed's prompts (${esc(rows[0].replicates)} replicates).</p>` +
    `<div class="scroll"><table class="data trend"><thead>${head}</thead><tbody>${rows.map(rowHtml).join("")}</tbody></table></div>`
  );
}
