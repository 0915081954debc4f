import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../src/util/rng.ts";
import { sampleCorpus } from "./sample-corpus.ts";
import { Tokenizer, TokenizerFileError, trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";
import { BYTE_TO_CHAR, GPT2_BYTE_ORDER, preTokenize } from "../../src/model/tokenizer-bytes.ts";

// GPT-2's bytes_to_unicode written out independently from the reference description, with encoder.json's ids
// (id i = i-th byte in this order): printable bytes first, then the rest mapped to U+0100 upward.
function gpt2ByteVocab(): Record<string, number> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++)
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  const vocab: Record<string, number> = {};
  bs.forEach((_, i) => (vocab[String.fromCharCode(cs[i])] = i));
  return vocab;
}

const ADDED_EOS = {
  id: 50256,
  content: EOS_TOKEN,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
};

// A tiny GPT-2-shaped tokenizer.json: the real byte vocabulary and ids, a handful of merges, and GPT-2's real
// ids for the final tokens ("Hello"=15496, "Ġworld"=995, "'s"=338, "ĠHello"=18435); intermediate ids are made up.
function tinyGpt2(arrayMerges = false): Record<string, unknown> {
  const merges = [
    "H e",
    "l l",
    "o r",
    "Ġ w",
    "He ll",
    "Hell o",
    "Ġw or",
    "Ġwor l",
    "Ġworl d",
    "' s",
    "Ġ Hello",
    "Ġ 1",
    "2 3",
    "Ġ1 23",
  ];
  const vocab: Record<string, number> = {
    ...gpt2ByteVocab(),
    He: 50001,
    ll: 50002,
    or: 50003,
    Ġw: 50004,
    Hell: 50005,
    Hello: 15496,
    Ġwor: 50006,
    Ġworl: 50007,
    Ġworld: 995,
    "'s": 338,
    ĠHello: 18435,
    Ġ1: 50009,
    "23": 50010,
    Ġ123: 50011,
    [EOS_TOKEN]: 50256,
  };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [ADDED_EOS],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: arrayMerges ? merges.map((m) => m.split(" ")) : merges,
    },
  };
}

test("byte alphabet matches GPT-2's bytes_to_unicode and encoder.json order", () => {
  assert.equal(BYTE_TO_CHAR[0x20], "Ġ");
  assert.equal(BYTE_TO_CHAR[0x0a], "Ċ");
  assert.equal(BYTE_TO_CHAR[0x00], "Ā");
  assert.equal(BYTE_TO_CHAR[0xad], "Ń");
  assert.equal(BYTE_TO_CHAR[0x41], "A");
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  const v = gpt2ByteVocab();
  GPT2_BYTE_ORDER.forEach((b, i) => assert.equal(v[BYTE_TO_CHAR[b]], i));
  assert.equal(GPT2_BYTE_ORDER.indexOf(0x20), 220);
  assert.equal(GPT2_BYTE_ORDER.indexOf(0x0a), 198);
});

test("pre-tokenizer splits like GPT-2", () => {
  assert.deepEqual(preTokenize("Hello world's 123 dogs!!"), ["Hello", " world", "'s", " 123", " dogs", "!!"]);
  assert.deepEqual(preTokenize("a   b"), ["a", "  ", " b"]);
  assert.deepEqual(preTokenize("a \n"), ["a", " \n"]);
  assert.deepEqual(preTokenize("I'll've they're"), ["I", "'ll", "'ve", " they", "'re"]);
  assert.deepEqual(preTokenize("é café\t\tx"), ["é", " café", "\t", "\t", "x"]); // only a space prefixes a word
});

test("a GPT-2 tokenizer.json (string and array merges) encodes like GPT-2", () => {
  for (const arrays of [false, true]) {
    const tok = Tokenizer.fromJSON(tinyGpt2(arrays));
    assert.equal(tok.vocabSize, 50257);
    assert.deepEqual(tok.encode("Hello world"), [15496, 995]);
    assert.deepEqual(tok.encode("Hello world's"), [15496, 995, 338]);
    assert.deepEqual(tok.encode(" Hello"), [18435]);
    assert.deepEqual(tok.encode("Hello  world"), [15496, 220, 995]);
    assert.deepEqual(tok.encode("Hello\n"), [15496, 198]);
    assert.deepEqual(tok.encode("<|endoftext|>Hello world<|endoftext|>"), [50256, 15496, 995, 50256]);
    // Unmerged text falls back to GPT-2 byte ids: "x"=87, "!"=0, " "=220.
    assert.deepEqual(tok.encode("x! 123"), [87, 0, 50011]);
    assert.equal(tok.eosId, 50256);
    assert.equal(tok.idToToken(995), "Ġworld");
    assert.equal(tok.tokenToId("ĠHello"), 18435);
    assert.equal(tok.decode([15496, 995, 338, 50256]), "Hello world's<|endoftext|>");
    assert.equal(tok.decode([15496, 50256], { skipSpecial: true }), "Hello");
  }
});

test("merges apply by rank, not left to right", () => {
  const make = (merges: string[]) =>
    Tokenizer.fromJSON({
      ...tinyGpt2(),
      added_tokens: [],
      model: { type: "BPE", vocab: { ...gpt2ByteVocab(), ll: 300, el: 301, ell: 302 }, merges },
    });
  const e = gpt2ByteVocab().e;
  assert.deepEqual(make(["l l", "e l"]).encode("ell"), [e, 300]);
  assert.deepEqual(make(["e l", "l l"]).encode("ell"), [301, gpt2ByteVocab().l]);
});

test("heap merging (long words) gives the same result as the scan loop", () => {
  const tok = trainBpe(sampleCorpus(2000, 1), { vocabSize: 600 });
  const rng = new Rng(7);
  const alphabet = "aeiou tnsrl";
  for (let trial = 0; trial < 300; trial++) {
    const len = rng.int(2, 90);
    const syms = Array.from({ length: len }, () => alphabet.charCodeAt(rng.int(0, alphabet.length - 1)));
    assert.deepEqual(tok.mergeSymbols(syms.slice(), true), tok.mergeSymbols(syms.slice(), false));
  }
  const long = "ab".repeat(50_000); // one 100k-char pre-token must not go quadratic
  const t0 = performance.now();
  assert.equal(tok.decode(tok.encode(long)), long);
  assert.ok(performance.now() - t0 < 5000);
});

// A random string drawing from many awkward corners of Unicode.
function randomText(rng: Rng, len: number): string {
  const pools: (() => string)[] = [
    () => String.fromCharCode(rng.int(0x20, 0x7e)),
    () => " ",
    () => rng.pick(["\n", "\r\n", "\t", "\0", "\u000b", "\u00a0", "\u2028", "\u3000", "\ufeff"]),
    () => String.fromCodePoint(rng.int(0x80, 0x7ff)),
    () => String.fromCodePoint(rng.int(0x800, 0xd7ff)),
    () => String.fromCodePoint(rng.int(0xe000, 0xfffd)),
    () => String.fromCodePoint(rng.int(0x10000, 0x10ffff)),
    () => rng.pick(["😀", "👨‍👩‍👧", "🇫🇷", "e\u0301", "a\u0308\u0323", "\u200d", "'s", "'ll", "123", "١٢٣"]),
    () => rng.pick([EOS_TOKEN, PAD_TOKEN, "<|", "|>"]),
  ];
  let s = "";
  while (s.length < len) s += rng.pick(pools)();
  return s;
}

test("decode(encode(s)) === s for random Unicode, with and without special matching", () => {
  const tok = trainBpe(sampleCorpus(3000, 2) + " éé 😀😀 日本語 日本語", {
    vocabSize: 700,
    specialTokens: [EOS_TOKEN, PAD_TOKEN],
  });
  const rng = new Rng(11);
  for (let i = 0; i < 2000; i++) {
    const s = randomText(rng, rng.int(0, 40));
    assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
    assert.equal(tok.decode(tok.encode(s, { allowSpecial: false })), s);
    assert.equal(preTokenize(s).join(""), s);
  }
  assert.equal(tok.decode(tok.encode("\ufeffBOM first")), "\ufeffBOM first");
  assert.equal(tok.decode(tok.encode("")), "");
  // Specials are single ids only when matching is allowed.
  assert.deepEqual(tok.encode(`a${EOS_TOKEN}`).slice(-1), [tok.eosId]);
  assert.ok(!tok.encode(`a${EOS_TOKEN}`, { allowSpecial: false }).includes(tok.eosId));
});

test("lone surrogates are encoded as U+FFFD (they are not valid UTF-8)", () => {
  const tok = trainBpe("abc abc", { vocabSize: 260 });
  assert.equal(tok.decode(tok.encode("a\ud800b\udfff")), "a\ufffdb\ufffd");
  assert.equal(tok.decode(tok.encode("\ud83d\ude00")), "😀"); // a proper pair is fine
});

test("stream decoding never emits a broken character and matches the full decode", () => {
  const tok = trainBpe("plain ascii only here", { vocabSize: 260 }); // no multi-byte merges: emoji = 4 tokens
  const text = "hi 😀 né 日本 👨‍👩‍👧!";
  const ids = tok.encode(text);
  const dec = tok.streamDecoder();
  let out = "";
  for (const id of ids) {
    const piece = dec.push(id);
    assert.ok(!piece.includes("\ufffd"), `broken character after id ${id}`);
    out += piece;
  }
  out += dec.flush();
  assert.equal(out, text);
  assert.equal(tok.decode(ids.slice(0, 4)), "hi \ufffd"); // plain decode of a cut shows the damage
  const d2 = tok.streamDecoder();
  assert.equal(d2.push(tok.encode("😀").slice(0, 2)), "");
  assert.equal(d2.flush(), "\ufffd");
  assert.equal(tok.decodeBytes(tok.encode("é")).length, 2);
});

test("save/fromFile round trip is exact; toJSON has the tokenizers layout", () => {
  const dir = mkdtempSync(join(tmpdir(), "tok-test-"));
  try {
    const tok = trainBpe(sampleCorpus(3000, 3), { vocabSize: 500, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
    const p = join(dir, "tokenizer.json");
    tok.save(p);
    assert.deepEqual(readdirSync(dir), ["tokenizer.json"]);
    const back = Tokenizer.fromFile(p);
    assert.deepEqual(back.toJSON(), tok.toJSON());
    assert.equal(back.vocabSize, 500);
    assert.equal(back.eosId, 498);
    assert.equal(back.padId, 499);
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const s = randomText(rng, 30);
      assert.deepEqual(back.encode(s), tok.encode(s));
    }
    const json = JSON.parse(readFileSync(p, "utf8"));
    assert.deepEqual(Object.keys(json), [
      "version",
      "truncation",
      "padding",
      "added_tokens",
      "normalizer",
      "pre_tokenizer",
      "post_processor",
      "decoder",
      "model",
    ]);
    assert.deepEqual(json.pre_tokenizer, {
      type: "ByteLevel",
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    });
    assert.deepEqual(json.added_tokens[0], {
      id: 498,
      content: EOS_TOKEN,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    assert.equal(json.model.type, "BPE");
    assert.equal(typeof json.model.merges[0], "string");
    assert.equal(Object.keys(json.model.vocab).length, 500);
    // Vocab written in id order, even for integer-like token strings.
    const vocabText = readFileSync(p, "utf8").split('"vocab": {')[1].split("\n    }")[0];
    const ids = [...vocabText.matchAll(/^ {6}".*": (\d+),?$/gm)].map((m) => Number(m[1]));
    assert.equal(ids.length, 500);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    // Same tokenizer in the tokenizers>=0.20 array-merge form loads identically.
    json.model.merges = json.model.merges.map((m: string) => m.split(" "));
    assert.deepEqual(Tokenizer.fromJSON(json).encode("the cat sat"), tok.encode("the cat sat"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tokens spelled like Object prototype keys survive save/load", () => {
  // "__proto__" can only be a whole token as an added one (the regex splits "__" from "proto").
  const tok = trainBpe("constructor constructor toString toString hasOwnProperty hasOwnProperty", {
    vocabSize: 400,
    specialTokens: ["__proto__"],
  });
  for (const t of ["__proto__", "constructor", "ĠtoString", "ĠhasOwnProperty"])
    assert.notEqual(tok.tokenToId(t), undefined, t);
  const json = JSON.parse(JSON.stringify(tok.toJSON()));
  assert.equal(Object.prototype.hasOwnProperty.call(json.model.vocab, "__proto__"), true);
  const back = Tokenizer.fromJSON(json);
  const s = "__proto__constructor toString hasOwnProperty";
  assert.deepEqual(back.encode(s), tok.encode(s));
  assert.equal(back.encode(s).length, 4);
});

test("corrupt or unsupported tokenizer.json files give one-line errors naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tok-bad-"));
  try {
    const good = JSON.stringify(tinyGpt2());
    const mutate = (f: (j: any) => void) => {
      const j = JSON.parse(good);
      f(j);
      return JSON.stringify(j);
    };
    const cases: [string, string, RegExp][] = [
      ["truncated", good.slice(0, good.length / 2), /invalid JSON, file truncated or corrupt/],
      ["empty", "", /invalid JSON/],
      ["not object", "[]", /top level is not a JSON object/],
      ["no model", mutate((j) => delete j.model), /missing "model" object/],
      ["wordpiece", mutate((j) => (j.model.type = "WordPiece")), /model type "WordPiece" is not supported/],
      ["bad id", mutate((j) => (j.model.vocab.He = -3)), /vocab entry "He" has invalid id -3/],
      ["dup id", mutate((j) => (j.model.vocab.He = 995)), /vocab ids collide/],
      ["bad merge", mutate((j) => j.model.merges.push("a b c")), /merge #14 "a b c" is neither/],
      ["merge unknown", mutate((j) => j.model.merges.push("H x")), /token "Hx" is not in the vocab/],
      ["normalizer", mutate((j) => (j.normalizer = { type: "NFC" })), /normalizer "NFC" is not supported/],
      ["pretok", mutate((j) => (j.pre_tokenizer = { type: "Whitespace" })), /pre_tokenizer must be ByteLevel/],
      ["added", mutate((j) => (j.added_tokens = [{ content: "x" }])), /added_tokens\[0\] needs an integer "id"/],
      ["dropout", mutate((j) => (j.model.dropout = 0.1)), /dropout is not supported/],
    ];
    for (const [name, text, pattern] of cases) {
      const p = join(dir, `${name}.json`);
      writeFileSync(p, text);
      assert.throws(
        () => Tokenizer.fromFile(p),
        (e: unknown) => {
          assert.ok(e instanceof TokenizerFileError, name);
          assert.match(e.message, pattern, name);
          assert.ok(e.message.startsWith(`tokenizer.json ${p}: `), e.message);
          assert.ok(!e.message.includes("\n"), `${name}: one line`);
          return true;
        },
      );
    }
    assert.throws(() => Tokenizer.fromFile(join(dir, "missing.json")), /missing\.json: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("special-token getters and errors", () => {
  const tok = trainBpe("x y", { vocabSize: 258, specialTokens: [EOS_TOKEN] });
  assert.equal(tok.eosId, 256);
  assert.equal(tok.vocabSize, 257); // nothing to merge at minFrequency 2
  assert.throws(() => tok.padId, /no special token "<\|pad\|>"/);
  assert.ok(tok.isSpecial(256));
  assert.throws(() => tok.decode([9999]), /unknown token id 9999/);
});
