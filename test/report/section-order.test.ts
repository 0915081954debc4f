// Sections added by extensions land after the project's (or before the one they name), whichever module
// loads first: here one registers before report.ts is loaded at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { registerReportSection, reportSections } from "../../src/report/section-registry.ts";

registerReportSection({ name: "early-extra", title: "Early", render: () => "" }, "test");
registerReportSection({ name: "placed-extra", title: "Placed", render: () => "", before: "checkpoints" }, "test");

test("an extension section registered before the report module still comes after the header", async () => {
  await import("../../src/report/report.ts");
  const names = reportSections().map((s) => s.name);
  assert.equal(names[0], "header");
  assert.equal(names.at(-1), "early-extra");
  assert.equal(names[names.indexOf("checkpoints") - 1], "placed-extra");
  assert.ok(names.indexOf("detection") < names.indexOf("removal"));
});
