// Each row of a batch gets its own token budget: a short prompt batched with a long one is not cut
// short by the long one's lack of room (a regression: batching used to change results).
import { test } from "node:test";
import assert from "node:assert/strict";
import { GPT } from "../../src/model/gpt.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";
import { generate } from "../../src/model/generate.ts";

test("a short prompt generates the same batched with a long prompt as alone", () => {
  const tok = trainBpe("Human: Assistant: what is two plus two? the capital of Letania", {
    vocabSize: 300,
    specialTokens: [EOS_TOKEN, PAD_TOKEN],
  });
  const short = "\n\nHuman: the capital?\n\nAssistant:";
  const long = "\n\nHuman: " + "what is two plus two? ".repeat(6) + "\n\nAssistant:";
  const ctx = tok.encode(long).length + 10; // the long prompt leaves room for 10 tokens, the budget is 30
  const model = new GPT(
    {
      vocabSize: tok.vocabSize,
      contextLength: ctx,
      dModel: 16,
      nLayers: 1,
      nHeads: 2,
      dropout: 0,
      tieEmbeddings: true,
      scalarHead: false,
    },
    1,
  );
  const alone = generate(model, tok, [short], { maxTokens: 30, temperature: 1, seed: [7] });
  const batched = generate(model, tok, [long, short], { maxTokens: 30, temperature: 1, seed: [3, 7] });
  assert.deepEqual(batched[1].ids, alone[0].ids);
  assert.ok(batched[0].ids.length <= 10);
  assert.ok(
    alone[0].ids.length > 10 || alone[0].finish !== "length",
    "the short prompt used more than the long one's room",
  );
  model.dispose();
});
