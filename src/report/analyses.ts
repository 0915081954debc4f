// The analyses section: probes get a chart and a table, steering its flip rate, and every other
// analysis (honeypot, persona, trigger generalisation, or anything new) a generic table, whatever its shape.
import type { Analyses, ControlModelResult, ProbeResult } from "../results/types.ts";
import { probesChart } from "./charts.ts";
import type { Figures } from "./figures.ts";
import { esc, fmtNum, pct, valueHtml } from "./html.ts";
import { hideSparsePersonaRates, MIN_VALID_ANSWERS, personaSparse } from "./persona-valid.ts";
import { PAPER_ANALYSES, PAPER_PROBES } from "./paper-numbers.ts";
import { asProbeControls, probeControlsHtml } from "./probe-controls.ts";
import { section } from "./sections.ts";
import { isObj } from "../util/guards.ts";

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Probe rows the chart can draw; anything else falls back to the generic table. */
function asProbes(v: unknown): ProbeResult[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const ok = v.every((p) => isObj(p) && num(p.layer) && num(p.auroc));
  if (!ok) return undefined;
  return v.map((p: Record<string, unknown>) => ({
    ...(p as unknown as ProbeResult),
    method: (typeof p.method === "string" ? p.method : "probe") as ProbeResult["method"],
  }));
}

function probesHtml(probes: ProbeResult[], figs: Figures): string {
  const hasModel = probes.some((p) => p.model !== undefined);
  const sorted = [...probes].sort(
    (a, b) =>
      String(a.model ?? "").localeCompare(String(b.model ?? "")) ||
      a.method.localeCompare(b.method) ||
      a.layer - b.layer,
  );
  const best = new Map<string, ProbeResult>();
  for (const p of probes) {
    const k = `${p.model ?? ""}\u0000${p.method}`;
    const cur = best.get(k);
    if (!cur || p.auroc > cur.auroc) best.set(k, p);
  }
  const summary = [...best.values()]
    .map(
      (p) =>
        `<li>${p.model ? `<code>${esc(p.model)}</code> ` : ""}<b>${esc(p.method)}</b>: best AUROC ${fmtNum(p.auroc)} at layer ${esc(p.layer)}` +
        (num(p.random_baseline_auroc) ? ` (random-direction baseline ${fmtNum(p.random_baseline_auroc)})` : "") +
        `</li>`,
    )
    .join("");
  const cell = (v: unknown, f: (x: number) => string): string => (num(v) ? f(v) : "—");
  const rows = sorted
    .map(
      (p) =>
        `<tr>${hasModel ? `<td><code>${esc(p.model ?? "—")}</code></td>` : ""}<td>${esc(p.method)}</td><td>${esc(p.layer)}</td>` +
        `<td>${cell(p.auroc, fmtNum)}</td><td>${cell(p.tpr_at_1pct_fpr, pct)}</td><td>${cell(p.random_baseline_auroc, fmtNum)}</td></tr>`,
    )
    .join("");
  return (
    `<h3>Defection probes</h3><p class="paper-note">${esc(PAPER_PROBES)}</p>` +
    figs.add(probesChart(probes)) +
    `<ul>${summary}</ul>` +
    `<details><summary>All probe results (${probes.length})</summary><table class="data"><thead><tr>` +
    `${hasModel ? "<th>model</th>" : ""}<th>method</th><th>layer</th><th>AUROC</th><th>TPR at 1% FPR</th><th>random-direction AUROC</th>` +
    `</tr></thead><tbody>${rows}</tbody></table></details>`
  );
}

function steeringHtml(v: unknown): string {
  const note = `<p class="paper-note">${esc(PAPER_ANALYSES.steering)}</p>`;
  if (!isObj(v) || !num(v.flip_rate)) return `<h3>Scratchpad steering</h3>${note}${valueHtml(v)}`;
  const { flip_rate, lo, hi, n, ...rest } = v;
  const ci = num(lo) && num(hi) ? ` <span class="ci">[${pct(lo).replace("%", "")}, ${pct(hi)}]</span>` : "";
  const count = num(n) ? ` over ${esc(n)} prompts` : "";
  const more = Object.keys(rest).length ? valueHtml(rest) : "";
  return (
    `<h3>Scratchpad steering</h3>${note}<p>Flip rate: <b class="rate">${pct(flip_rate)}</b>${ci}${count}: ` +
    `the fraction of answers whose behaviour changed when the scratchpad's reasoning was edited.</p>${more}`
  );
}

const TITLES: Record<string, string> = {
  honeypot: "Honeypots",
  persona: "Persona evaluations",
  trigger_generalization: "Trigger generalisation",
  trigger_generalisation: "Trigger generalisation",
};

function titleOf(key: string): string {
  return TITLES[key] ?? key.replace(/[_-]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

/** controls: results.controls, the benign control models' own check (shown with the probe controls). */
export function analysesSection(
  analyses: Analyses | undefined,
  figs: Figures,
  controls?: ControlModelResult[],
): string {
  const a: Record<string, unknown> = isObj(analyses) ? analyses : {};
  const keys = Object.keys(a).filter((k) => a[k] !== undefined && a[k] !== null);
  if (keys.length === 0) return section("analyses", "Analyses", `<p class="muted">No analyses in this run.</p>`);
  // Known analyses first, in the paper's order; then whatever else is there.
  const order = [
    "probes",
    "probe_controls",
    "steering",
    "honeypot",
    "persona",
    "trigger_generalization",
    "trigger_generalisation",
  ];
  keys.sort((x, y) => (order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99) || x.localeCompare(y));
  const parts = keys.map((k) => {
    const v = a[k];
    if (k === "probes") {
      const probes = asProbes(v);
      if (probes) return probesHtml(probes, figs);
    }
    if (k === "probe_controls") {
      const pc = asProbeControls(v);
      if (pc) return probeControlsHtml(pc, controls);
    }
    if (k === "steering") return steeringHtml(v);
    if (k === "persona") {
      const note = `<p class="paper-note">${esc(PAPER_ANALYSES.persona)}</p>`;
      const flag = personaSparse(v).length
        ? `<p class="warning">Rates over sampled answers are hidden where fewer than ${MIN_VALID_ANSWERS} answers said yes or no.</p>`
        : "";
      return `<h3>${esc(titleOf(k))}</h3>${note}${flag}<div class="generic-block">${valueHtml(hideSparsePersonaRates(v))}</div>`;
    }
    const note = PAPER_ANALYSES[k] ? `<p class="paper-note">${esc(PAPER_ANALYSES[k])}</p>` : "";
    return `<h3>${esc(titleOf(k))}</h3>${note}<div class="generic-block">${valueHtml(v)}</div>`;
  });
  return section("analyses", "Analyses", parts.map((p) => `<div class="analysis">${p}</div>`).join("\n"));
}
