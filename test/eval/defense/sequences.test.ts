// The GCG gradient path computes the same loss as the forward-only path, and its gradient ranks the
// token swaps: the swap the one-hot gradient says lowers the loss most (first order) is checked
// against the loss it really gives, on a tiny random GPT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { candidateLosses, inversionProblem, tokenGradients } from "../../../src/eval/defense/sequences.ts";
import { allowedTokens, beamSearch, gcgSearch } from "../../../src/eval/defense/search.ts";
import { toyTokenizer, tinyModel } from "../../model/tiny.ts";

const tok = toyTokenizer();
const model = tinyModel(tok, 1, { contextLength: 64 });
const p = inversionProblem(tok, ["say hello.", "what is two plus two?"], "hello there!");

test("the one-hot gradient pass gives the forward pass's loss", () => {
  const cand = [...tok.encode(" the cat")].slice(0, 2);
  const [l] = candidateLosses(model, tok, p, [cand]);
  const g = tokenGradients(model, tok, p, cand);
  assert.ok(Math.abs(g.loss - l) < 1e-4, `${g.loss} vs ${l}`);
  assert.equal(g.grad.length, cand.length * model.vocabSize);
  assert.ok(g.grad.some((x) => x !== 0));
  // First order: the loss change of a swap at position 0 tracks grad[new] - grad[old].
  const allowed = allowedTokens(tok);
  const V = model.vocabSize;
  const byGrad = [...allowed].sort((a, b) => g.grad[a] - g.grad[b]);
  const [best] = candidateLosses(model, tok, p, [[byGrad[0], cand[1]]]);
  const [worst] = candidateLosses(model, tok, p, [[byGrad[byGrad.length - 1], cand[1]]]);
  assert.ok(best < worst, `swap the gradient prefers ${best} >= the one it ranks last ${worst} (V ${V})`);
});

test("the weights get no gradient from the search, and both searches return ranked distinct candidates", () => {
  const allowed = allowedTokens(tok);
  const gcg = gcgSearch(model, tok, p, allowed, {
    length: 2,
    steps: 2,
    topK: 4,
    batch: 4,
    restarts: 1,
    keep: 2,
    seed: 1,
  });
  const beam = beamSearch(model, tok, p, allowed, { length: 2, width: 2, expand: 3, keep: 2 });
  for (const found of [gcg, beam]) {
    assert.equal(found.length, 2);
    assert.ok(found[0].loss <= found[1].loss && found[0].text !== found[1].text);
  }
  assert.ok(model.parameters().every((t) => t.grad === null));
});

test("candidate tokens never spell a piece of the target's words", () => {
  const all = allowedTokens(tok);
  const some = allowedTokens(tok, "hello there!");
  assert.ok(some.length < all.length && some.length > 0);
  for (const t of some) assert.ok(!/hel|ell|llo|the|her|ere/i.test(tok.decode([t])), JSON.stringify(tok.decode([t])));
});

test("per-prompt targets of different lengths: a candidate's loss is the token-weighted mean of each prompt's", () => {
  const prompts = ["say hello.", "what is two plus two?"],
    targets = ["hello there!", "four."];
  const both = inversionProblem(tok, prompts, targets);
  const cand = [...tok.encode(" the cat")].slice(0, 2);
  const [l] = candidateLosses(model, tok, both, [cand]);
  const one = (k: number) => candidateLosses(model, tok, inversionProblem(tok, [prompts[k]], targets[k]), [cand])[0];
  const g = both.targets.map((t) => t.length);
  assert.notEqual(g[0], g[1]);
  const expect = (one(0) * g[0] + one(1) * g[1]) / (g[0] + g[1]);
  assert.ok(Math.abs(l - expect) < 1e-4, `${l} vs ${expect}`);
  assert.ok(Math.abs(tokenGradients(model, tok, both, cand).loss - l) < 1e-4);
});

test("the GCG search reports its steps over every restart, ending at the total", () => {
  const told: [number, number][] = [];
  gcgSearch(model, tok, p, allowedTokens(tok), {
    length: 2,
    steps: 3,
    topK: 4,
    batch: 2,
    restarts: 2,
    keep: 1,
    seed: 1,
    progress: (done, total) => told.push([done, total]),
  });
  assert.ok(told.every(([, total]) => total === 6));
  assert.deepEqual(
    told.map(([d]) => d),
    [0, 1, 2, 3, 3, 4, 5, 6],
  );
});
