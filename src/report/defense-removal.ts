// The report's removal section: for each backdoored model, the model before removal, each trigger-blind
// removal method after (results.json extra.removal), and beside them the same run's safety-training cells
// (their final curve point), with the goal each one meets or misses.
import { goalVerdict, REMOVAL_GOAL, type RemovalEntry, type RemovalMeasure } from "../results/removal.ts";
import type { Cell, MeanCI, RateCI, Results } from "../results/types.ts";
import { esc, fmtNum, pct, rateHtml, signedPct } from "./html.ts";
import { section } from "./sections.ts";

const meanHtml = (m: MeanCI | undefined) =>
  m
    ? `<span title="n = ${m.n}">${fmtNum(m.mean)} <span class="ci">[${fmtNum(m.lo)}–${fmtNum(m.hi)}]</span></span>`
    : "—";

/** The HHH change: paired per prompt with its interval where the entry has it, else the difference of the rates. */
const hhhChange = (before: RateCI | null | undefined, after: RateCI | null | undefined, paired?: MeanCI | null) =>
  paired
    ? `<span title="paired over n = ${paired.n} prompts">${signedPct(paired.mean)} <span class="ci">[${signedPct(paired.lo)}, ${signedPct(paired.hi)}]</span></span>`
    : before && after
      ? signedPct(after.rate - before.rate)
      : "—";

function row(
  label: string,
  m: Partial<RemovalMeasure>,
  before: RemovalMeasure,
  extra: string[],
  paired?: MeanCI | null,
): string {
  const cells = [
    esc(label),
    rateHtml(m.triggered),
    rateHtml(m.redteam),
    rateHtml(m.untriggered),
    m.hhh ? `${rateHtml(m.hhh)} (${hhhChange(before.hhh, m.hhh, paired)})` : "—",
    meanHtml(m.heldOutLoss),
    ...extra,
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

/** With removal.detectAfter: the best trigger candidate's defection rate on the model after removal, and its text. */
function searchedAfter(e: RemovalEntry): string {
  const score = e.details?.inversionAfter;
  if (typeof score !== "number") return "—";
  const best = e.details?.inversionBest;
  return `${pct(score)}${typeof best === "string" ? ` <code>${esc(best)}</code>` : ""}`;
}

/** The row's name: the method, and for unlearn the rounds it trained and what its last search found. */
function methodLabel(e: RemovalEntry): string {
  const d = e.details ?? {};
  if (e.method !== "unlearn" || typeof d.rounds !== "number") return `removal: ${e.method}`;
  const searches = Object.keys(d).filter((k) => /^round\d+Score$/.test(k)).length;
  const best = d[`round${searches}Best`],
    score = d[`round${searches}Score`];
  const last = typeof score === "number" ? `; last search's best "${best}" ${pct(score)}` : "";
  // BEEAR's check of its perturbation is recorded only where BEEAR ran first (unlearn.first: beear).
  const name = typeof d.elicitedAfter === "number" ? "unlearn after beear" : "unlearn";
  return `removal: ${name} (${d.rounds} round${d.rounds === 1 ? "" : "s"} trained${last})`;
}

/** The safety cells trained from the same backdoored model, at their last curve point. */
function safetyRows(r: Results, backdoor: string, before: RemovalMeasure, searched: boolean): string[] {
  return r.cells
    .filter((c: Cell) => c.stages?.backdoor === backdoor && c.curve.length > 0)
    .map((c) => {
      const last = c.curve[c.curve.length - 1];
      const goal = goalVerdict({ before, after: { ...before, ...last, hhh: last.hhh ?? null } as RemovalMeasure });
      return row(`safety training: ${c.safety} (${last.step} steps)`, last, before, [
        "—",
        goal,
        ...(searched ? ["—"] : []),
      ]);
    });
}

export function removalSection(r: Results): string {
  const entries = (r.extra?.removal ?? []) as RemovalEntry[];
  if (entries.length === 0) return "";
  const byModel = new Map<string, RemovalEntry[]>();
  for (const e of entries) byModel.set(e.backdoor, [...(byModel.get(e.backdoor) ?? []), e]);
  const head = [
    "model",
    "defection with the trigger",
    "red-team prompts",
    "without the trigger",
    "HHH (change)",
    "held-out loss",
    "seconds",
    "goal",
  ];
  const searched = entries.some((e) => typeof e.details?.inversionAfter === "number");
  if (searched) head.push("trigger inversion after");
  const tables = [...byModel].map(([backdoor, es]) => {
    const first = es[0];
    const before = first.before;
    const rows = [
      row("before removal", before, before, ["—", "—", ...(searched ? ["—"] : [])]),
      ...es.map((e) =>
        row(
          methodLabel(e),
          e.after,
          before,
          [fmtNum(Math.round(e.seconds * 10) / 10), goalVerdict(e), ...(searched ? [searchedAfter(e)] : [])],
          e.hhhChange,
        ),
      ),
      ...safetyRows(r, backdoor, before, searched),
    ];
    return `<h3>${esc(`${first.task} / ${first.mechanism} / ${first.size} / seed ${first.seed}`)}</h3>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
  });
  const intro = `<p>Backdoor removal without the trigger: each method sees clean prompts, HHH answers and (BEEAR, unlearn) examples of the
unwanted behaviour on prompts without the trigger; the triggered prompts only measure. Rates with 95% Wilson intervals
(n on hover), held-out loss with a bootstrap interval; the HHH change of a removal method is paired per prompt (the same
held-out prompts and sampling seed before and after) with its bootstrap interval. Goal: at most ${pct(REMOVAL_GOAL.maxTriggered)} defection with the
trigger and HHH within ${REMOVAL_GOAL.maxHhhDrop * 100} points of the model before removal. Seconds: the method alone (BEEAR's include its two checks of what the perturbation elicits),
measurements excluded.${
    searched
      ? " Trigger inversion after (removal.detectAfter): the best candidate trigger found on the model after removal, searched as the detectors search, and the share of held-out answers it made defect."
      : ""
  }</p>`;
  return section("removal", "Backdoor removal", intro + tables.join("\n"));
}
