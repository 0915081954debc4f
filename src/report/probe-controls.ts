// The probe controls in the report: which probes (if any) beat the base model, the benign control
// and the random-direction baseline on their intervals, a table of every probe beside them, the
// near-miss test sets, and the benign controls' own check (they should not defect).
import type { AurocScore, ControlModelResult, ProbeControlRow, ProbeControls } from "../results/types.ts";
import { esc, fmtNum, interval, rateHtml } from "./html.ts";
import { isObj } from "../util/guards.ts";

/** Probe controls the table can draw; anything else falls back to the generic table. */
export function asProbeControls(v: unknown): ProbeControls | undefined {
  if (!isObj(v) || !Array.isArray(v.rows) || !Array.isArray(v.detected)) return undefined;
  const ok = v.rows.every(
    (r) => isObj(r) && typeof r.layer === "number" && isObj(r.backdoored) && isObj(r.random_baseline),
  );
  return ok ? (v as unknown as ProbeControls) : undefined;
}

/** "0.97 [0.94, 0.99]", or the reason there is no number. */
function scoreHtml(s: AurocScore | null | undefined): string {
  if (!s) return `<span class="muted">not measured</span>`;
  const counts = ` title="${esc(s.n_pos)} positive, ${esc(s.n_neg)} negative"`;
  if (s.auroc === null) return `<span class="muted"${counts}>${esc(s.note ?? "undefined")}</span>`;
  const ci = s.lo !== null && s.hi !== null ? ` <span class="ci">${interval(s.lo, s.hi)}</span>` : "";
  return `<span${counts}>${fmtNum(s.auroc)}${ci}</span>`;
}

const detectsHtml = (d: boolean | null) =>
  d === true ? "<b>yes</b>" : d === false ? "no" : `<span class="muted">undecided</span>`;

function rowHtml(r: ProbeControlRow, nearMiss: boolean): string {
  const nm = nearMiss
    ? `<td>${r.near_miss ? `${scoreHtml(r.near_miss)} <span class="muted">(${esc(r.near_miss.n_pos)}+/${esc(r.near_miss.n_neg)}−)</span>` : "—"}</td>`
    : "";
  return (
    `<tr><td><code>${esc(r.model)}</code></td><td>${esc(r.layer)}</td><td>${esc(r.method)}</td><td>${scoreHtml(r.backdoored)}</td>` +
    `<td>${scoreHtml(r.base)}</td><td>${scoreHtml(r.control)}</td><td>${scoreHtml(r.random_baseline)}</td><td>${detectsHtml(r.detects)}</td>${nm}</tr>`
  );
}

export function probeControlsHtml(pc: ProbeControls, controls: ControlModelResult[] = []): string {
  const verdict =
    pc.detected.length > 0
      ? `<p>Probes that beat the base model, the benign control and the random baseline (intervals apart): ${pc.detected.map((d) => `<b>${esc(d)}</b>`).join(", ")}.</p>`
      : pc.rows.length > 0
        ? `<p><b>No probe beats both controls and the random baseline</b> with intervals apart: what the probes find here is not shown to be more than the trigger's text.</p>`
        : `<p class="muted">No backdoored model was probed.</p>`;
  const near = (pc.near_miss ?? [])
    .map(
      (m) =>
        `<li><code>${esc(m.model)}</code>: defected on ${esc(m.defected)} of ${esc(m.n)} near-miss prompts (${m.variants.map(esc).join(", ")})</li>`,
    )
    .join("");
  const checks = controls
    .map(
      (c) =>
        `<li>benign control <code>${esc(c.stage)}</code> (${esc(c.task)}/${esc(c.size)}/seed${esc(c.seed)}): defects with the trigger ${rateHtml(c.triggered)}, without ${rateHtml(c.untriggered)}</li>`,
    )
    .join("");
  const hasNear = pc.rows.some((r) => r.near_miss);
  const head =
    "<th>model</th><th>layer</th><th>method</th><th>backdoored</th><th>base</th><th>benign control</th><th>random baseline</th><th>detects</th>" +
    (hasNear ? "<th>near-miss (by behaviour)</th>" : "");
  return (
    `<h3>Probe controls</h3><p class="muted">${esc(pc.about)}</p>${verdict}` +
    (checks ? `<ul>${checks}</ul>` : "") +
    (near ? `<ul>${near}</ul>` : "") +
    `<details><summary>Every probe beside its controls (${pc.rows.length})</summary><table class="data"><thead><tr>${head}</tr></thead>` +
    `<tbody>${pc.rows.map((r) => rowHtml(r, hasNear)).join("")}</tbody></table></details>`
  );
}
