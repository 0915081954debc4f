// The report's sections, in page order: each renders one part of results.json (or nothing). The
// project's register in report.ts, in their order; a stage kind or analysis with a section of its own
// registers it here (registerReportSection), and the page and its table of contents pick it up after the
// project's sections (or before the one it names), whichever module happens to load first.
import type { Results } from "../results/types.ts";
import { Registry } from "../util/registry.ts";
import type { Figures } from "./figures.ts";

export interface SectionView {
  sizes: string[];
  figs: Figures;
  runInfo?: Record<string, unknown>;
  warnings: string[];
}

export interface ReportSection {
  /** The section's anchor id (`<section id="...">`, see sections.ts's section()). */
  name: string;
  /** Its entry in the table of contents (none for the header). */
  title?: string;
  /** Its HTML, or "" when the results have nothing for it. */
  render(r: Results, v: SectionView): string;
  /** An added section's place: before the section of this name (default: after the project's sections). */
  before?: string;
}

const SECTIONS = new Registry<ReportSection>("report section");

const PROJECT_ORDER: string[] = [];

export function registerReportSection(s: ReportSection, origin: string): void {
  SECTIONS.register(s, origin);
}

/** The project's own sections, in page order (report.ts). */
export function registerProjectSections(list: readonly ReportSection[], origin: string): void {
  for (const s of list) SECTIONS.register(s, origin);
  PROJECT_ORDER.push(...list.map((s) => s.name));
}

/** Take a section registered by a test back. */
export function unregisterReportSection(name: string): void {
  SECTIONS.unregister(name);
}

export function reportSections(): ReportSection[] {
  const project = new Set(PROJECT_ORDER);
  const page = PROJECT_ORDER.filter((n) => SECTIONS.has(n)).map((n) => SECTIONS.get(n));
  for (const s of SECTIONS.all()) {
    if (project.has(s.name)) continue;
    const at = s.before === undefined ? -1 : page.findIndex((p) => p.name === s.before);
    if (at < 0) page.push(s);
    else page.splice(at, 0, s);
  }
  return page;
}
