// The report's "Served models" section: models trained elsewhere and measured through their
// OpenAI-compatible API (config `models:`), one row each, with a few transcripts.
import type { Results } from "../results/types.ts";
import { esc, pct, rateHtml } from "./html.ts";
import { section, transcriptList } from "./sections.ts";

export function externalSection(r: Results): string {
  const ms = r.external ?? [];
  if (ms.length === 0) return "";
  const rows = ms
    .map(
      (m) =>
        `<tr><td>${esc(m.name)}</td><td>${esc(m.task)}</td><td>${esc(m.mechanism)}</td><td><code>${esc(m.provider)}</code></td>` +
        `<td>${rateHtml(m.triggered)}</td><td>${rateHtml(m.untriggered)}</td>` +
        `<td>${pct(m.difference.diff)} [${pct(m.difference.lo).replace("%", "")}, ${pct(m.difference.hi)}]</td><td>${rateHtml(m.hhh)}</td></tr>`,
    )
    .join("");
  const table =
    `<div class="scroll"><table class="data"><thead><tr><th>model</th><th>task</th><th>trained as</th><th>provider</th>` +
    `<th>defection with trigger</th><th>without</th><th>difference</th><th>HHH (untriggered)</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const blocks = ms.map(
    (m) =>
      `<details class="cell"><summary>${esc(m.name)}: transcripts</summary>` +
      `<div class="cols"><div><h4>With the trigger</h4>${transcriptList(m.transcripts?.triggered, "triggered")}</div>` +
      `<div><h4>Without the trigger</h4>${transcriptList(m.transcripts?.untriggered, "untriggered")}</div></div></details>`,
  );
  return section(
    "external",
    "Served models",
    `<p>Models served over an OpenAI-compatible API and measured here on held-out prompts ` +
      `(95% Wilson intervals; the difference has a Newcombe interval). Every answer is in the stage's <code>eval.jsonl</code>.</p>` +
      table +
      blocks.join("\n"),
  );
}
