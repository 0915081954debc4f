// Small HTML and number-formatting helpers, plus a generic renderer for any JSON value, so analyses
// whose shape the report does not know still show up as readable tables instead of being dropped.
import { formatLr } from "../results/cells.ts";
import type { MeanCI, RateCI } from "../results/types.ts";
import { labelOf } from "./labels.ts";
import { isObj } from "../util/guards.ts";

/** Escape text for HTML element content and attribute values (model outputs go through here). */
export function esc(s: unknown): string {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A fraction as a percentage: whole numbers from 10% up, one decimal below, none trailing. */
export function pct(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "—";
  const p = x * 100;
  const s = Math.abs(p) >= 10 || Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1);
  return `${s.replace(/\.0$/, "")}%`;
}

/** A change of a rate in %, signed ("+4%", "-7%"). */
export const signedPct = (x: number): string => `${x >= 0 ? "+" : ""}${pct(x)}`;

/** "94% [88, 97%] n=60" (n also on hover). */
export function rateHtml(r: RateCI | undefined): string {
  if (!r) return "—";
  const n = Number.isFinite(r.n) ? ` title="n = ${esc(r.n)}"` : "";
  const count = Number.isFinite(r.n) ? ` <span class="n">n=${esc(r.n)}</span>` : "";
  return `<span class="rate"${n}>${pct(r.rate)} <span class="ci">[${pct(r.lo).replace("%", "")}, ${pct(r.hi)}]</span>${count}</span>`;
}

/** "3.56 [2.51, 4.54] n=60" (n also on hover): a mean with its 95% interval, as rateHtml shows a rate. */
export function meanHtml(m: MeanCI | undefined): string {
  if (!m) return "—";
  const n = Number.isFinite(m.n) ? ` title="n = ${esc(m.n)}"` : "";
  const count = Number.isFinite(m.n) ? ` <span class="n">n=${esc(m.n)}</span>` : "";
  return `<span class="mean"${n}>${m.mean.toFixed(2)} <span class="ci">${interval(m.lo, m.hi)}</span>${count}</span>`;
}

/** An interval of two numbers as "[-0.88, -0.06]": a comma, never a dash that reads as a minus sign. */
export function interval(lo: number, hi: number): string {
  const two = (x: number) => (Math.abs(x) >= 100 ? fmtNum(x) : x.toFixed(2));
  return `[${two(lo)}, ${two(hi)}]`;
}

export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return Math.abs(v) >= 1e6 ? v.toExponential(2) : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** A learning rate as cell ids write it: 3e-4, 1e-3; "—" when not recorded. */
export function fmtLr(lr: number | null | undefined): string {
  return typeof lr === "number" && Number.isFinite(lr) ? formatLr(lr) : "—";
}

export function fmtParams(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

const EST_KEYS = ["rate", "mean", "lo", "hi", "n"];

/**
 * Split {rate|mean, lo, hi, n, ...rest} into the estimate (rendered inline with its interval) and the
 * other keys; `est` is undefined when the object carries no estimate.
 */
function splitEstimate(v: Record<string, unknown>): { est?: string; key?: string; rest: Record<string, unknown> } {
  const num = (k: string): number | undefined => (typeof v[k] === "number" ? (v[k] as number) : undefined);
  const lo = num("lo");
  const hi = num("hi");
  const key = num("rate") !== undefined ? "rate" : num("mean") !== undefined ? "mean" : undefined;
  if (!key || lo === undefined || hi === undefined) return { rest: v };
  const rest: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!EST_KEYS.includes(k)) rest[k] = x;
  const n = num("n");
  if (key === "rate") return { est: rateHtml({ rate: num("rate")!, lo, hi, n: n ?? NaN }), key, rest };
  const title = n !== undefined ? ` title="n = ${esc(n)}"` : "";
  const count = n !== undefined ? ` <span class="n">n=${esc(n)}</span>` : "";
  const est = `<span class="rate"${title}>${fmtNum(num("mean")!)} <span class="ci">${interval(lo, hi)}</span>${count}</span>`;
  return { est, key, rest };
}

const MAX_ROWS = 200;
const MAX_DEPTH = 4;

/** Any JSON value as HTML: objects as key/value tables, lists of objects as tables, the rest inline. */
export function valueHtml(v: unknown, depth = 0): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "number") return esc(fmtNum(v));
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v.length > 120 || v.includes("\n") ? `<pre class="inline">${esc(v)}</pre>` : esc(v);
  if (depth >= MAX_DEPTH) return `<code>${esc(JSON.stringify(v).slice(0, 300))}</code>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return "(none)";
    if (v.every((x) => isObj(x))) return tableOfObjects(v as Record<string, unknown>[], depth);
    if (v.every((x) => x === null || typeof x !== "object")) {
      const shown = v.slice(0, MAX_ROWS).map((x) => valueHtml(x, depth + 1));
      return shown.join(", ") + (v.length > MAX_ROWS ? `, … (${v.length - MAX_ROWS} more)` : "");
    }
    const items = v.slice(0, MAX_ROWS).map((x) => `<li>${valueHtml(x, depth + 1)}</li>`);
    return `<ol class="generic">${items.join("")}</ol>`;
  }
  if (isObj(v)) {
    const { est, key, rest } = splitEstimate(v);
    const keys = Object.keys(rest);
    if (est && keys.length === 0) return est;
    if (!est && keys.length === 0) return "(empty)";
    const rows = keys.map(
      (k) => `<tr><th scope="row">${esc(labelOf(k))}</th><td>${valueHtml(rest[k], depth + 1)}</td></tr>`,
    );
    if (est) rows.unshift(`<tr><th scope="row">${esc(labelOf(key!))}</th><td>${est}</td></tr>`);
    return `<table class="kv">${rows.join("")}</table>`;
  }
  return esc(String(v));
}

function tableOfObjects(rows: Record<string, unknown>[], depth: number): string {
  // Rows carrying {rate, lo, hi, n} get one "rate" column showing the interval, not four number columns.
  const split = rows.slice(0, MAX_ROWS).map(splitEstimate);
  const cols: string[] = [];
  split.forEach((r, i) => {
    for (const k of Object.keys(rows[i])) {
      const col = r.est && EST_KEYS.includes(k) ? r.key! : k;
      if (!cols.includes(col)) cols.push(col);
    }
  });
  const cellOf = (
    r: { est?: string; key?: string; rest: Record<string, unknown> },
    raw: Record<string, unknown>,
    c: string,
  ): string => (r.est && c === r.key ? r.est : valueHtml(r.est ? r.rest[c] : raw[c], depth + 1));
  const head = cols.map((c) => `<th>${esc(labelOf(c))}</th>`).join("");
  const body = split
    .map((r, i) => `<tr>${cols.map((c) => `<td>${cellOf(r, rows[i], c)}</td>`).join("")}</tr>`)
    .join("");
  const more = rows.length > MAX_ROWS ? `<p class="muted">… ${rows.length - MAX_ROWS} more rows not shown.</p>` : "";
  // Wide tables scroll inside the page instead of pushing it wider.
  return `<div class="scroll"><table class="data"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${more}`;
}
