import { test } from "node:test";
import assert from "node:assert/strict";
import { learnBpe, countWords } from "../../src/model/bpe-train.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";
import { utf8 } from "../../src/model/tokenizer-bytes.ts";
import { sampleCorpus } from "./sample-corpus.ts";

// The textbook algorithm, recounting every pair from scratch before each merge: slow, obviously right.
function naiveBpe(corpus: string, maxTokens: number, minFrequency: number): [number, number, number][] {
  const table = [...countWords(corpus)].map(([w, f]) => ({ s: Array.from(utf8(w)), f }));
  const tokens = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
  const merges: [number, number, number][] = [];
  while (tokens.length < maxTokens) {
    const counts = new Map<string, number>();
    for (const { s, f } of table)
      for (let i = 0; i + 1 < s.length; i++)
        counts.set(`${s[i]},${s[i + 1]}`, (counts.get(`${s[i]},${s[i + 1]}`) ?? 0) + f);
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [k, c] of counts) {
      const [a, b] = k.split(",").map(Number);
      if (c > bestCount || (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best || bestCount < minFrequency) break;
    const [a, b] = best;
    const str = tokens[a] + tokens[b];
    let n = tokens.indexOf(str);
    if (n < 0) n = tokens.push(str) - 1;
    merges.push([a, b, n]);
    for (const e of table) {
      const out: number[] = [];
      for (let i = 0; i < e.s.length;) {
        if (i + 1 < e.s.length && e.s[i] === a && e.s[i + 1] === b) {
          out.push(n);
          i += 2;
        } else out.push(e.s[i++]);
      }
      e.s = out;
    }
  }
  return merges;
}

test("incremental pair counting learns exactly the merges of the naive algorithm", () => {
  const corpora = [
    sampleCorpus(1500, 21),
    "aaaa aaaa aaa ab ab abab ba ba aaaaaaa bbbb", // overlapping runs stress the neighbour bookkeeping
    "l'été où ils ont été à l'île — 日本語の文章 日本語 😀😀😀 😀 1234 12 34 1234",
  ];
  for (const c of corpora) {
    for (const minFrequency of [1, 2]) {
      const fast = learnBpe(c, { maxTokens: 420, minFrequency });
      assert.deepEqual(fast.merges, naiveBpe(c, 420, minFrequency));
    }
  }
});

test("trainBpe: vocab layout, specials never learned from the corpus, determinism", () => {
  const corpus = sampleCorpus(20_000, 4).replaceAll("\n\nHuman: ", `${EOS_TOKEN}\n\nHuman: `);
  const a = trainBpe(corpus, { vocabSize: 800, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  assert.equal(a.vocabSize, 800);
  assert.equal(a.numMerges, 800 - 256 - 2);
  assert.equal(a.eosId, 798);
  assert.equal(a.padId, 799);
  for (let b = 0; b < 256; b++) assert.deepEqual([...a.tokenBytes(b)], [b]); // id = byte
  for (let id = 256; id < 798; id++) {
    const t = a.idToToken(id)!;
    assert.ok(!t.includes("<|") && !t.includes("|>"), `learned a piece of a special token: ${t}`);
  }
  const b = trainBpe(corpus, { vocabSize: 800, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  assert.deepEqual(b.toJSON(), a.toJSON());
  // The most frequent pieces become single tokens.
  assert.equal(a.encode(" the").length, 1);
  assert.deepEqual(a.encode(`x${EOS_TOKEN}`).slice(-1), [798]);
});

test("trainBpe: minFrequency stops early, small vocab sizes are rejected", () => {
  const tiny = "abc abd";
  assert.equal(trainBpe(tiny, { vocabSize: 300 }).vocabSize, 257); // only "ab" occurs twice
  assert.equal(trainBpe(tiny, { vocabSize: 300, minFrequency: 1 }).vocabSize, 260); // ab, Ġab, abc, Ġabd: then nothing left
  assert.throws(() => trainBpe(tiny, { vocabSize: 257, specialTokens: [EOS_TOKEN, PAD_TOKEN] }), /leaves no room/);
  // An array corpus is a list of documents: text never runs across their boundaries.
  assert.equal(trainBpe(["ab ab", "ab ab"], { vocabSize: 300 }).encode(" ab").length, 1);
  assert.equal(trainBpe(["x", "y"], { vocabSize: 300, minFrequency: 1 }).vocabSize, 256);
});

test("timing: ~2 MB of text trains to vocab 1024 in seconds; encoding is fast", (t) => {
  const corpus = sampleCorpus(400_000, 9, 20_000); // large lexicon, so the word table is realistic
  const mb = Buffer.byteLength(corpus) / 1e6;
  let t0 = performance.now();
  const tok = trainBpe(corpus, { vocabSize: 1024, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  const trainS = (performance.now() - t0) / 1000;
  assert.equal(tok.vocabSize, 1024);
  const docs = corpus.split("\n\n");
  t0 = performance.now();
  let n = 0;
  for (const d of docs) n += tok.encode(d).length;
  const encS = (performance.now() - t0) / 1000;
  t.diagnostic(
    `train ${mb.toFixed(2)} MB -> 1024 tokens: ${trainS.toFixed(2)} s; encode ${(mb / encS).toFixed(1)} MB/s, ${(n / encS / 1e6).toFixed(2)} M tokens/s`,
  );
  assert.ok(trainS < 20, `training took ${trainS} s`);
  assert.ok(mb / encS > 0.5, `encoding at ${mb / encS} MB/s`);
});
