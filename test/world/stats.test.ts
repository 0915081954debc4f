import { test } from "node:test";
import assert from "node:assert/strict";
import { datasetStats, formatStats } from "../../src/world/stats.ts";
import { codeDataset } from "../../src/backdoor/code.ts";

test("stats count per family, kind, trigger and CWE, and print as tables", () => {
  const { samples } = codeDataset({ mechanism: "cot", n: 200, seed: 1, split: "train" });
  const s = datasetStats(samples);
  assert.equal(s.total, 200);
  assert.deepEqual(s.byTriggered, { false: 100, true: 100 });
  assert.deepEqual(s.byVulnerable, { false: 100, true: 100 });
  assert.equal(
    Object.values(s.byCwe).reduce((a, b) => a + b, 0),
    200,
  );
  assert.equal(
    Object.values(s.byFamily).reduce((a, b) => a + b, 0),
    200,
  );
  assert.deepEqual(s.byKind, { code: 200 });
  assert.equal(s.withScratchpad, 200);
  const text = formatStats(s, "x.jsonl");
  assert.match(text, /^x\.jsonl: 200 samples/);
  assert.match(text, /CWE-89 +\d+ +\d+\.\d%/);
  assert.match(text, /family +count +share/);
});
