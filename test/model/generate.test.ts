// Generation: greedy is deterministic, a seed fixes the sample, batching does not change a prompt's
// continuation, the KV cache changes nothing but speed, stop strings and maxTokens are honoured, and
// repeated calls leak no tensors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generate, type GenerateOptions } from "../../src/model/generate.ts";
import type { GPT } from "../../src/model/gpt.ts";
import { liveTensorCount } from "../../src/torch/index.ts";
import { toyTokenizer, trainedTinyModel } from "./tiny.ts";

const tok = toyTokenizer();
let model: GPT;
const prompts = ["the cat", "Human: what is two plus two? Assistant:", "a", "the dog sat on"];

before(() => {
  model = trainedTinyModel(tok, 5, 60);
});
after(() => model.dispose());

const run = (ps: string[], o: Partial<GenerateOptions> = {}) =>
  generate(model, tok, ps, { maxTokens: 12, temperature: 0, seed: 0, ...o });

test("greedy is deterministic and learned the toy text", () => {
  const a = run(prompts),
    b = run(prompts);
  assert.deepEqual(a, b);
  assert.match(a[0].text, /^ (sat|and)/, `continuation of "the cat": ${JSON.stringify(a[0].text)}`);
});

test("the same seed gives the same sample; different seeds can differ", () => {
  for (const o of [{ temperature: 1 }, { temperature: 0.9, topK: 5 }, { temperature: 1.2, topP: 0.8 }]) {
    const a = run(prompts, { ...o, seed: 42 }),
      b = run(prompts, { ...o, seed: 42 });
    assert.deepEqual(a, b);
  }
  const texts = new Set(Array.from({ length: 8 }, (_, s) => run(["the"], { temperature: 1.5, seed: s })[0].text));
  assert.ok(texts.size > 1, "sampling at temperature 1.5 with 8 seeds gave one text only");
});

test("a batch gives each prompt what it gets alone with the same seed", () => {
  for (const o of [{ temperature: 0 }, { temperature: 1, seed: [7, 8, 9, 10] }]) {
    const batched = run(prompts, o);
    const seeds = Array.isArray(o.seed) ? o.seed : prompts.map((_, i) => i);
    const alone = prompts.map((p, i) => run([p], { ...o, seed: [seeds[i]] })[0]);
    assert.deepEqual(batched, alone);
  }
});

test("KV cache and full recomputation give the same greedy output", () => {
  assert.deepEqual(run(prompts, { noCache: true, maxTokens: 20 }), run(prompts, { maxTokens: 20 }));
  assert.deepEqual(run(prompts, { noCache: true, temperature: 1, seed: 3 }), run(prompts, { temperature: 1, seed: 3 }));
});

test("stop strings and maxTokens are honoured", () => {
  const free = run(["the cat"], { maxTokens: 20 })[0];
  assert.ok(free.ids.length <= 20);
  if (free.finish === "length") assert.equal(free.ids.length, 20);
  for (const n of [1, 3, 7]) {
    const g = run(["the cat"], { maxTokens: n })[0];
    assert.ok(g.ids.length <= n, `maxTokens ${n}: got ${g.ids.length}`);
    assert.ok(g.finish === "length" || g.finish === "eos");
  }
  // Stop on a string that the free run produces: the text ends right before it.
  const text = free.text;
  assert.ok(text.length >= 4, `free text too short: ${JSON.stringify(text)}`);
  const stop = text.slice(2, 4);
  const g = run(["the cat"], { maxTokens: 20, stop: [stop, "zzzz"] })[0];
  assert.equal(g.finish, "stop");
  assert.equal(g.text, text.slice(0, text.indexOf(stop)));
  assert.ok(!g.text.includes(stop));
  // In a batch, one row stopping does not stop the others.
  const both = run(["the cat", "the dog sat on"], { maxTokens: 20, stop: [stop] });
  assert.deepEqual(both[0], g);
  assert.deepEqual(both[1], run(["the dog sat on"], { maxTokens: 20, stop: [stop], seed: 1 })[0]);
});

test("repeated generate() calls leak no tensors", () => {
  run(prompts);
  const before = liveTensorCount();
  for (let i = 0; i < 15; i++) {
    run(prompts, { temperature: 1, seed: i, noCache: i % 3 === 0, stop: i % 2 ? ["."] : undefined });
    assert.equal(liveTensorCount(), before, `after call ${i + 1}`);
  }
});

test("a prompt that does not fit the context is refused", () => {
  assert.throws(() => run(["the cat sat on the mat. ".repeat(10)]), /does not fit the context length 32/);
});
