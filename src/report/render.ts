// Turns Vega-Lite specs into SVG on the server (vega's headless View, no browser) and SVG into PNG
// with resvg. PNG text needs a font file: we look for DejaVu/Liberation/Noto and fall back to the
// system font scan; with no fonts at all resvg draws the marks but leaves text out (fontWarning says so).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Several SVGs inlined in one page share one id namespace: prefix every id and its references so a
 * clip path or gradient of one chart never resolves to another's.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

const FONT_DIRS = [
  "/usr/share/fonts",
  "/usr/local/share/fonts",
  "/System/Library/Fonts",
  "/Library/Fonts",
  "C:\\Windows\\Fonts",
];
const PREFERRED = [
  "DejaVuSans.ttf",
  "DejaVuSans-Bold.ttf",
  "LiberationSans-Regular.ttf",
  "NotoSans-Regular.ttf",
  "Arial.ttf",
  "arial.ttf",
];

let fontCache: { files: string[]; family?: string } | undefined;

/** Font files to hand resvg: preferred sans fonts when found anywhere under the usual font dirs. */
function findFonts(): { files: string[]; family?: string } {
  if (fontCache) return fontCache;
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || found.length >= PREFERRED.length) return;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (PREFERRED.includes(e.name)) found.push(p);
    }
  };
  for (const d of FONT_DIRS) if (existsSync(d)) walk(d, 0);
  found.sort((a, b) => PREFERRED.findIndex((n) => a.endsWith(n)) - PREFERRED.findIndex((n) => b.endsWith(n)));
  const first = found[0] ?? "";
  const family = first.includes("DejaVu")
    ? "DejaVu Sans"
    : first.includes("Liberation")
      ? "Liberation Sans"
      : first.includes("Noto")
        ? "Noto Sans"
        : first
          ? "Arial"
          : undefined;
  fontCache = { files: found, family };
  return fontCache;
}

/** Undefined when PNG text will render; otherwise a sentence for the report and the console. */
export function fontWarning(): string | undefined {
  if (findFonts().files.length > 0) return undefined;
  return "No font files found (looked for DejaVu Sans, Liberation Sans, Noto Sans, Arial): PNG figures may lack text. Install Debian's fonts-dejavu-core to fix.";
}

/** Rasterise an SVG at `scale` times its size (2 gives print-quality figures). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const fonts = findFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font:
      fonts.files.length > 0
        ? {
            fontFiles: fonts.files,
            loadSystemFonts: false,
            defaultFontFamily: fonts.family,
            sansSerifFamily: fonts.family,
          }
        : { loadSystemFonts: true },
  });
  return resvg.render().asPng();
}
