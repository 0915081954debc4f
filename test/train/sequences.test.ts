// Length buckets in the preference model's scoring: the same scores and gradients as one padded batch,
// in the caller's order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { endScores, lengthBuckets, type Seq } from "../../src/train/sequences.ts";
import { Rng } from "../../src/util/rng.ts";
import { tidy } from "../../src/torch/index.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";

test("lengthBuckets: every index once, sorted runs, at most maxBuckets of at least minSize", () => {
  const rng = new Rng(3);
  const lengths = Array.from({ length: 64 }, () => rng.int(5, 44));
  const b = lengthBuckets(lengths, 8, 8);
  assert.equal(b.length, 8);
  assert.deepEqual(
    b.flat().sort((x, y) => x - y),
    lengths.map((_, i) => i),
  );
  for (let k = 1; k < b.length; k++)
    assert.ok(Math.max(...b[k - 1].map((i) => lengths[i])) <= Math.min(...b[k].map((i) => lengths[i])));
  assert.equal(lengthBuckets(lengths.slice(0, 12), 8, 8).length, 1);
  assert.equal(lengthBuckets(lengths.slice(0, 20), 8, 8).length, 2);
});

test("endScores in buckets equals one padded batch: scores and every parameter gradient", () => {
  const tok = toyTokenizer();
  const rng = new Rng(5);
  const seqs: Seq[] = Array.from({ length: 32 }, () => {
    const n = rng.int(3, 27);
    return { ids: Array.from({ length: n }, () => rng.int(0, tok.vocabSize - 3)), promptLen: 1 };
  });
  const run = (buckets: number) => {
    const m = tinyModel(tok, 1, { scalarHead: true });
    const scores = tidy(() => {
      const s = endScores(m, seqs, tok.padId, buckets);
      // A loss that weighs each position differently, so a permuted order would change the gradients.
      s.mul(s.mul(0).add(1).cumsum(0)).sum().backward();
      return Array.from(s.dataSync() as Float32Array);
    });
    const grads = [...m.params].map(([n, p]) => [n, Array.from(p.grad!.dataSync() as Float32Array)] as const);
    m.dispose();
    return { scores, grads };
  };
  const one = run(1),
    many = run(4);
  one.scores.forEach((v, i) => assert.ok(Math.abs(v - many.scores[i]) < 1e-5, `score ${i}: ${v} vs ${many.scores[i]}`));
  one.grads.forEach(([n, g], k) =>
    g.forEach((v, i) =>
      assert.ok(
        Math.abs(v - many.grads[k][1][i]) < 1e-4 + 1e-4 * Math.abs(v),
        `${n}[${i}]: ${v} vs ${many.grads[k][1][i]}`,
      ),
    ),
  );
});
