import { test } from "node:test";
import assert from "node:assert/strict";
import { EOS_TOKEN, PAD_TOKEN, trainBpe } from "../../src/model/tokenizer.ts";
import { sameTokenizer, type TextTokenizer } from "../../src/model/text-tokenizer.ts";
import { sampleCorpus } from "./sample-corpus.ts";

const opts = (vocabSize: number) => ({ vocabSize, specialTokens: [EOS_TOKEN, PAD_TOKEN] });

test("sameTokenizer: the same training gives the same tokenizer; another corpus or vocabulary does not", () => {
  const a = trainBpe(sampleCorpus(2000, 1), opts(400));
  const b = trainBpe(sampleCorpus(2000, 1), opts(400));
  const other = trainBpe(sampleCorpus(2000, 2), opts(400));
  const smaller = trainBpe(sampleCorpus(2000, 1), opts(300));
  assert.ok(sameTokenizer(a, b));
  assert.ok(!sameTokenizer(a, other));
  assert.ok(!sameTokenizer(a, smaller));
});

test("sameTokenizer: without tokenizer.json on both sides, the ids of a probe text decide", () => {
  const a = trainBpe(sampleCorpus(2000, 1), opts(400));
  // A wrapper with a.encode but no toJSON (as a hub tokenizer read by another library would be).
  const wrap = (t: TextTokenizer, shift = 0): TextTokenizer => ({
    vocabSize: t.vocabSize,
    eosId: t.eosId,
    padId: t.padId,
    encode: (s) => t.encode(s).map((i) => (i + shift) % t.vocabSize),
    decode: (ids) => t.decode(ids),
  });
  assert.ok(sameTokenizer(wrap(a), a));
  assert.ok(!sameTokenizer(wrap(a, 1), a));
});
