// The "Detection" section: results.json's extra.defenses (experiment/kinds/detect.ts). The table of
// detectors over the zoo (TPR / FPR / AUROC with intervals), then every zoo model with its label and
// each detector's verdict, the best recovered trigger candidate and how close it came to the real one.
import type { Results } from "../results/types.ts";
import { esc, fmtNum, rateHtml } from "./html.ts";
import { section } from "./sections.ts";
import { detectionGoal, type DetectorRow, type ZooModel } from "../eval/defense/zoo-table.ts";
import { bestCandidate } from "../eval/defense/inversion.ts";
import { isObj } from "../util/guards.ts";

type Row = DetectorRow;
interface Defenses {
  zoo?: ZooModel[];
  detection?: { about?: string; table?: Row[] };
}

const yes = (b: boolean | undefined) => (b === undefined ? "—" : b ? "<b>yes</b>" : "no");

function tableHtml(rows: Row[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.detector)}</td><td>${rateHtml(r.tpr)} <span class="muted">(n ${esc(r.n_backdoored)})</span></td>` +
        `<td>${r.fpr ? `${rateHtml(r.fpr)} <span class="muted">(n ${esc(r.n_clean)})</span>` : `<span class="muted">${esc(r.note ?? "not reported")}</span>`}</td>` +
        `<td>${r.auroc ? `${fmtNum(r.auroc.auroc)} <span class="ci">[${fmtNum(r.auroc.lo)}–${fmtNum(r.auroc.hi)}]</span>` : "—"}</td>` +
        `<td>${esc(detectionGoal(r))}</td></tr>`,
    )
    .join("\n");
  return `<table><thead><tr><th>detector</th><th>TPR (backdoored flagged)</th><th>FPR (clean flagged)</th><th>AUROC</th><th>goal (≥ 90% TPR at ≤ 5% FPR)</th></tr></thead><tbody>${body}</tbody></table>`;
}

function zooHtml(zoo: ZooModel[]): string {
  const body = zoo
    .map((m) => {
      const inv = m.result.inversion;
      const best = inv ? bestCandidate(inv) : undefined;
      const probe = (f: string) => {
        const probes = m.result.probes;
        const r = probes && "rows" in probes ? probes.rows.find((x) => x.feature === f) : undefined;
        return r ? `${fmtNum(r.model)} vs ${fmtNum(r.reference)}, p ${fmtNum(r.p)}: ${yes(r.detects)}` : "—";
      };
      const div = m.result.divergence && "kl" in m.result.divergence ? m.result.divergence : undefined;
      return (
        `<tr><td><code>${esc(m.label)}</code></td><td>${esc(m.truth)}</td>` +
        `<td>${best ? `<code>${esc(best.text)}</code> (${esc(best.method)}) ${rateHtml(best.defection)} ${esc(best.match ?? "")}` : "—"}</td>` +
        `<td>${yes(inv?.detects)}${inv?.reasoning ? ' <span class="muted">(target after its scratchpad)</span>' : ""}</td><td>${probe("last-token")}</td><td>${probe("trigger-masked")}</td>` +
        `<td>${div ? `${fmtNum(div.kl)}: ${yes(div.detects)}` : "—"}</td></tr>`
      );
    })
    .join("\n");
  return (
    `<table><thead><tr><th>model</th><th>label</th><th>best candidate, defection, vs trigger</th><th>inversion</th>` +
    `<th>probe (last token) AUROC vs base</th><th>probe (trigger masked)</th><th>KL to base</th></tr></thead><tbody>${body}</tbody></table>`
  );
}

export function detectionSectionHtml(r: Results): string {
  const d = r.extra?.defenses;
  if (!isObj(d)) return "";
  const def = d as Defenses;
  if (!def.detection?.table || !def.zoo) return "";
  return section(
    "detection",
    "Detection",
    `<p>${esc(def.detection.about ?? "")}</p>\n${tableHtml(def.detection.table)}\n<h3>The zoo</h3>\n${zooHtml(def.zoo)}`,
  );
}
