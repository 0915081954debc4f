// Collects the charts a report asks for while its sections are written, renders them all at once
// (in parallel), and swaps each placeholder for the inline SVG plus a caption linking the files.
import type { ChartSpec } from "./charts.ts";
import { esc } from "./html.ts";
import { prefixSvgIds, specToSvg, svgToPng } from "./render.ts";
import type { ProgressFn } from "../util/progress.ts";

export interface RenderedFigure {
  id: string;
  svg: string;
  png: Uint8Array;
}

export class Figures {
  private charts: ChartSpec[] = [];

  /** Register a chart; returns a placeholder to put in the page where the figure belongs. */
  add(chart: ChartSpec): string {
    let id = chart.id;
    for (let i = 2; this.charts.some((c) => c.id === id); i++) id = `${chart.id}-${i}`;
    this.charts.push({ ...chart, id });
    return `<!--figure:${id}-->`;
  }

  get count(): number {
    return this.charts.length;
  }

  /**
   * Render every chart; returns the page with placeholders filled and the files to write. `onProgress`
   * counts the files made (an SVG, then a PNG per chart): the rendering is most of a report's time.
   */
  async render(page: string, onProgress?: ProgressFn): Promise<{ html: string; files: RenderedFigure[] }> {
    const total = 2 * this.charts.length;
    let made = 0;
    const madeOne = () => onProgress?.(++made, total);
    onProgress?.(0, total);
    const svgs = await Promise.all(this.charts.map((c) => specToSvg(c.spec).finally(madeOne)));
    const files: RenderedFigure[] = [];
    const blocks = new Map<string, string>();
    this.charts.forEach((c, i) => {
      const svg = svgs[i];
      files.push({ id: c.id, svg, png: svgToPng(svg) });
      madeOne();
      blocks.set(
        c.id,
        `<figure class="chart" id="fig-${esc(c.id)}" data-chart="${esc(c.id)}">` +
          `<div class="svg">${prefixSvgIds(svg, `f${i}`)}</div>` +
          `<figcaption><b>Figure ${i + 1}.</b> ${esc(c.caption)} ` +
          `<a href="figures/${esc(c.id)}.png">PNG</a> · <a href="figures/${esc(c.id)}.svg">SVG</a></figcaption></figure>`,
      );
    });
    const html = page.replace(/<!--figure:([^>]+?)-->/g, (m, id: string) => blocks.get(id) ?? m);
    return { html, files };
  }
}
