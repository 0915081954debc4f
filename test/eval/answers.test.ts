// The shared answer sampler: one seed stream per answer, so answers do not depend on batching, and
// ids must be unique because they name those streams.
import { test } from "node:test";
import assert from "node:assert/strict";
import { answerSamples, answerSeed, completeTexts } from "../../src/eval/answers.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";
import type { Sample } from "../../src/world/types.ts";

const sample = (id: string, prompt: string) =>
  ({ id, prompt, response: "", meta: { kind: "helpful", triggered: false, family: "f" } }) as unknown as Sample;

test("answer seeds are named streams of the run seed, per key and per sample index", () => {
  assert.equal(answerSeed(3, "a"), answerSeed(3, "a", 0));
  assert.notEqual(answerSeed(3, "a"), answerSeed(3, "b"));
  assert.notEqual(answerSeed(3, "a", 0), answerSeed(3, "a", 1));
  assert.notEqual(answerSeed(3, "a"), answerSeed(4, "a"));
});

test("an answer does not depend on the batch it was sampled in", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 4);
  const texts = ["the cat", "a dog", "the mat", "Human: say hello. Assistant:", "the log"];
  const g = { temperature: 1, maxTokens: 6, seed: 11 };
  const one = completeTexts(model, tok, texts, { ...g, batchSize: 1 });
  const all = completeTexts(model, tok, texts, { ...g, batchSize: 5 });
  assert.deepEqual(one, all);
  assert.ok(new Set(all).size > 1, "rows are sampled with different seeds");
  model.dispose();
});

test("duplicate sample ids are refused: each id names its answer's seed stream", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 4);
  assert.throws(
    () =>
      answerSamples(model, tok, [sample("x", "hi"), sample("x", "hello")], { temperature: 1, maxTokens: 2, seed: 0 }),
    /duplicate sample id "x"/,
  );
  model.dispose();
});

test("the sampler reports its start and each batch answered, ending at the total", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 4);
  const texts = ["the cat", "a dog", "the mat", "the log", "a hat"];
  const calls: Array<[number, number]> = [];
  const batchSize = 2;
  completeTexts(model, tok, texts, {
    temperature: 1,
    maxTokens: 3,
    seed: 5,
    batchSize,
    onProgress: (done, total) => calls.push([done, total]),
  });
  const ends = Array.from({ length: Math.ceil(texts.length / batchSize) }, (_, b) =>
    Math.min(texts.length, (b + 1) * batchSize),
  );
  assert.deepEqual(
    calls,
    [0, ...ends].map((d) => [d, texts.length]),
  );
  model.dispose();
});
