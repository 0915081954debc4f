// preference.onPolicy on a tiny base: the PM trains with the base's own answers labelled by the HHH scorer,
// the stage's result says how many pairs were built from how many prompts, and the held-out accuracy has an
// "on-policy" entry; an answer's seed does not depend on its batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPreference } from "../../src/train/stages.ts";
import { loadCheckpoint } from "../../src/model/checkpoint.ts";
import { labelledAnswers, ON_POLICY_SAMPLES } from "../../src/train/pm-on-policy.ts";
import { preferencePairs } from "../../src/world/pairs.ts";
import { scoreHhh } from "../../src/tasks/scorers/hhh.ts";
import { BASE, PREFERENCE, baseStage, stageContext, tempDir } from "./stage-fixture.ts";

test(
  "preference model with onPolicy 0.5: half its pairs on-policy, their counts, and on-policy held-out accuracy",
  {
    timeout: 300_000,
  },
  async () => {
    const base = await baseStage();
    const d = tempDir("pm-on-policy");
    const o = { ...PREFERENCE, onPolicy: 0.5, rolloutMaxTokens: 24 };
    const r = await runPreference(base.dir, join(d, "out"), o, stageContext(d, "pm-on-policy"));
    const s = r.onPolicy!;
    assert.ok(s, "the result records the on-policy pairs");
    assert.equal(s.wanted, Math.round(PREFERENCE.n * 0.5));
    assert.equal(s.pairs, s.wanted, `${s.pairs} pairs from ${s.prompts} prompts`);
    assert.ok(s.prompts > 0 && s.promptsWithRight >= 0 && s.promptsWithRight <= s.prompts);
    assert.ok(s.chosenFromModel <= s.pairs);
    assert.deepEqual([s.samplesPerPrompt, s.maxTokens, s.share], [ON_POLICY_SAMPLES, 24, 0.5]);
    const on = r.byType?.["on-policy"];
    assert.ok(on && on.n === s.heldOut.pairs && on.n > 0, `on-policy held-out pairs: ${on?.n}`);
    assert.ok(s.heldOut.prompts <= PREFERENCE.evalN);
    assert.equal(r.heldOut?.onPolicyAccuracy?.n, on.n);
    // The overall accuracy is still the world's held-out pairs only.
    const world = Object.entries(r.byType!).filter(([t]) => t !== "on-policy");
    assert.equal(
      world.reduce((a, [, t]) => a + t.n, 0),
      r.accuracy.n,
    );
  },
);

test(
  "on-policy answers: labelled by the HHH scorer, each seed independent of its batch",
  { timeout: 120_000 },
  async () => {
    const base = await baseStage();
    const ck = loadCheckpoint(base.dir);
    try {
      const prompts = preferencePairs({ n: 6, seed: 5, split: "train", worldSeed: BASE.worldSeed });
      const s = { samplesPerPrompt: 2, maxTokens: 16, temperature: 1, seed: 11, label: "t" };
      const all = labelledAnswers(ck.model, ck.tokenizer, prompts, 0, s);
      const tail = labelledAnswers(ck.model, ck.tokenizer, prompts.slice(4), 4, s);
      assert.deepEqual(tail, all.slice(4));
      for (const g of all) {
        assert.equal(g.answers.length, 2);
        assert.deepEqual(
          g.right,
          g.answers.map((a) => scoreHhh(g.meta, a).hhh === 1),
        );
      }
    } finally {
      ck.model.dispose();
    }
  },
);
