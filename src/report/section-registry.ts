// The report's sections, in page order: each renders one part of results.json (or nothing). The
// project's register in report.ts; a stage kind or analysis with a section of its own registers it
// here (registerReportSection), and the page and its table of contents pick it up.
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
}

const SECTIONS = new Registry<ReportSection>("report section");

export function registerReportSection(s: ReportSection, origin: string): void {
  SECTIONS.register(s, origin);
}

/** Take a section registered by a test back. */
export function unregisterReportSection(name: string): void {
  SECTIONS.unregister(name);
}

export function reportSections(): ReportSection[] {
  return SECTIONS.all();
}
