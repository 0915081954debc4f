// Loading model directories: our checkpoints and hub layouts through one loader, 16-bit weights kept when
// asked, parameter counts from the tensors, and one-line errors for every kind of bad directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { longTensor, tidy, liveTensorCount } from "../../src/torch/index.ts";
import { loadModel } from "../../src/model/load-model.ts";
import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { deserialize, serialize, i32Tensor } from "../../src/torch/safetensors.ts";
import { writeHubCheckpoint } from "./hub-checkpoints.ts";
import { toyTokenizer, tinyModel } from "./tiny.ts";

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "load-model-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The error a load throws: one line. */
function loadError(dir: string): string {
  const before = liveTensorCount();
  let msg = "";
  try {
    loadModel(dir).model.dispose();
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.ok(msg, "the load failed");
  assert.ok(!msg.includes("\n"), `one line: ${msg}`);
  assert.equal(liveTensorCount(), before, "a failed load leaves no tensors behind");
  return msg;
}

test("our own checkpoint loads through the registry as arch gpt with the same logits", () =>
  withDir((dir) => {
    const tok = toyTokenizer();
    const model = tinyModel(tok, 3);
    saveCheckpoint(join(dir, "ckpt"), model, tok);
    const { model: loaded } = loadModel(join(dir, "ckpt"));
    const ids = longTensor([5, 9, 2, 7, 1, 3], [1, 6]);
    const [a, b] = tidy(() => [model.forward(ids).logits!.toArray(), loaded.forward(ids).logits!.toArray()]);
    assert.equal(loaded.arch, "gpt");
    assert.deepEqual(b, a);
    assert.equal(loaded.numParams, model.numParams);
    model.dispose();
    loaded.dispose();
    ids.dispose();
  }));

test("parameter counts come from the tensors: weights in the files, buffers and tied copies not counted", () =>
  withDir((dir) => {
    for (const [arch, tied] of [
      ["gpt2", true],
      ["llama", false],
      ["qwen2", true],
    ] as const) {
      const sub = join(dir, `${arch}-${tied}`);
      writeHubCheckpoint(sub, arch, { tied });
      const inFile = Object.entries(deserialize(readFileSync(join(sub, "model.safetensors"))).tensors)
        .filter(([name]) => !/\.attn\.bias$/.test(name)) // the causal-mask buffer
        .reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      const { model } = loadModel(sub);
      assert.equal(model.numParams, inFile, `${arch}: ${model.numParams} vs ${inFile} in the file`);
      model.dispose();
    }
  }));

test("dtype bf16 keeps BF16 weights in bfloat16; the default widens them to float32", () =>
  withDir((dir) => {
    writeHubCheckpoint(dir, "qwen2", { dtype: "BF16" });
    const kept = loadModel(dir, { dtype: "bf16" }).model;
    const wide = loadModel(dir).model;
    assert.ok([...kept.params.values()].every((t) => t.dtype === "bfloat16"));
    assert.ok([...wide.params.values()].every((t) => t.dtype === "float32"));
    const ids = longTensor([3, 1, 4, 1, 5, 9, 2, 6], [2, 4]);
    // BF16 values widen exactly, so both compute the same float32 forward pass.
    const [a, b] = tidy(() => [kept.forward(ids).logits!.toArray(), wide.forward(ids).logits!.toArray()]);
    assert.deepEqual(a, b);
    kept.dispose();
    wide.dispose();
    ids.dispose();
  }));

test("generation_config.json's end-of-sequence ids (one or several) and the hook points of a Llama", () =>
  withDir((dir) => {
    writeHubCheckpoint(dir, "llama");
    writeFileSync(join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: 1, eos_token_id: [2, 5] }));
    const { model, dir: md } = loadModel(dir);
    assert.deepEqual(md.eosIds, [2, 5]);
    assert.equal(md.bosId, 1);
    const ids = longTensor([3, 1, 4], [1, 3]);
    const names = tidy(() => [...model.runWithCache(ids).cache.keys()]);
    assert.deepEqual(names, model.hookNames());
    assert.equal(names.length, 2 + 5 * 2);
    model.dispose();
    ids.dispose();
  }));

test("bad directories: one-line errors naming the file and the fix", () =>
  withDir((dir) => {
    assert.match(loadError(join(dir, "nope")), /no such directory/);
    writeFileSync(join(dir, "file"), "x");
    assert.match(loadError(join(dir, "file")), /not a directory/);

    const cases: [string, (d: string) => void, RegExp][] = [
      ["no-config", (d) => unlinkSync(join(d, "config.json")), /config\.json is missing/],
      [
        "no-weights",
        (d) => unlinkSync(join(d, "model.safetensors")),
        /no model\.safetensors or model\.safetensors\.index\.json/,
      ],
      [
        "truncated",
        (d) => truncateSync(join(d, "model.safetensors"), statSync(join(d, "model.safetensors")).size - 100),
        /model\.safetensors.*truncated.*re-download/,
      ],
      [
        "bad-type",
        (d) => patchConfig(d, { model_type: "bert" }),
        /model_type "bert" is not supported \(supported: gpt, gpt2, llama, qwen2, mistral\)/,
      ],
      [
        "bad-shape",
        (d) => patchConfig(d, { intermediate_size: 40 }),
        /mlp\.gate_proj\.weight" has shape \[56,32\] but config\.json needs \[40,32\]/,
      ],
      [
        "bad-key",
        (d) => patchConfig(d, { hidden_act: "gelu" }),
        /config\.json: 'hidden_act' = "gelu" is not supported/,
      ],
      [
        "rope",
        (d) => patchConfig(d, { rope_scaling: { rope_type: "longrope", factor: 4 } }),
        /rope_scaling.*"longrope" is not supported \(supported: default, linear, dynamic, yarn, llama3\)/,
      ],
      [
        "missing-tensor",
        (d) =>
          rewriteWeights(d, (t) => {
            delete t["model.norm.weight"];
          }),
        /has no tensor "model\.norm\.weight"/,
      ],
      [
        "int-weights",
        (d) =>
          rewriteWeights(d, (t) => {
            t["model.norm.weight"] = i32Tensor([32], new Int32Array(32));
          }),
        /"model\.norm\.weight" is I32; weights must be F32, F16 or BF16/,
      ],
    ];
    for (const [name, spoil, want] of cases) {
      const d = join(dir, name);
      writeHubCheckpoint(d, "llama");
      spoil(d);
      assert.match(loadError(d), want, name);
    }
    const sharded = join(dir, "sharded");
    writeHubCheckpoint(sharded, "llama", { shards: 2 });
    unlinkSync(join(sharded, "model-00002-of-00002.safetensors"));
    assert.match(
      loadError(sharded),
      /model\.safetensors\.index\.json names model-00002-of-00002\.safetensors, which is missing \(download every shard\)/,
    );
  }));

function patchConfig(dir: string, patch: Record<string, unknown>): void {
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), ...patch }));
}

function rewriteWeights(dir: string, edit: (t: Record<string, any>) => void): void {
  const path = join(dir, "model.safetensors");
  const f = deserialize(new Uint8Array(readFileSync(path)));
  const tensors = Object.fromEntries(Object.entries(f.tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
  edit(tensors);
  writeFileSync(path, serialize(tensors));
}
