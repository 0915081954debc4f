// Temperature headroom: the KL of sampling at T against T = 1 matches a hand computation from the
// logits, is 0 at T = 1 and grows as T falls; gains are paired against T = 1; bad input is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { answerKl, temperatureHeadroom } from "../../src/eval/temperature-headroom.ts";
import { generate } from "../../src/model/generate.ts";
import type { GPT } from "../../src/model/gpt.ts";
import { longTensor, noGrad, tidy } from "../../src/torch/index.ts";
import { toyTokenizer, trainedTinyModel } from "../model/tiny.ts";

const tok = toyTokenizer();
let model: GPT;
const prompts = ["the cat", "the dog sat on", "a", "Human: say hello. Assistant:"];

before(() => {
  model = trainedTinyModel(tok, 3, 30);
});
after(() => model.dispose());

/** KL(p_T || p_1) summed over the answer tokens, from the logits of one unpadded sequence, in plain numbers. */
function handKl(ids: number[], start: number, T: number): number {
  const logits = noGrad(() =>
    tidy(() => model.forward(longTensor(ids, [1, ids.length], model.device)).logits!.dataSync() as Float32Array),
  );
  const V = logits.length / ids.length;
  let kl = 0;
  for (let t = start - 1; t < ids.length - 1; t++) {
    const row = Array.from(logits.subarray(t * V, (t + 1) * V));
    const lse = (xs: number[]) => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
    };
    const l1 = row.map((x) => x - lse(row));
    if (T === 0) {
      kl += -Math.max(...l1);
      continue;
    }
    const scaled = row.map((x) => x / T);
    const lT = scaled.map((x) => x - lse(scaled));
    kl += lT.reduce((s, x, v) => s + Math.exp(x) * (x - l1[v]), 0);
  }
  return kl;
}

test("answerKl matches the hand computation, batched with padding, at T 0.5 and greedy", () => {
  const ids = prompts.map((p) => tok.encode(p));
  for (const T of [0.5, 0]) {
    const gens = generate(model, tok, prompts, { maxTokens: 6, temperature: T, seed: 7 });
    const got = answerKl(model, tok, ids, gens, T);
    gens.forEach((g, i) => {
      const seq = [...ids[i], ...g.ids, ...(g.finish === "eos" ? [tok.eosId] : [])];
      const want = handKl(seq, ids[i].length, T);
      assert.ok(Math.abs(got[i] - want) < 1e-3 * Math.max(1, want), `T ${T}, prompt ${i}: ${got[i]} vs ${want}`);
      assert.ok(want > 0, `T ${T}, prompt ${i}: a sharper policy has a positive KL (${want})`);
    });
  }
});

test("rows: KL 0 and gain 0 at T = 1, KL growing as T falls, gains paired against T = 1", () => {
  const sat = (_: number, text: string) => (text.includes("sat") ? 1 : 0);
  const length = (xs: Array<{ i: number; text: string }>) => xs.map((x) => x.text.length);
  const opts = {
    temperatures: [0.7, 0.3, 0],
    samples: 3,
    maxTokens: 6,
    stop: [],
    seedOf: (t: number, i: number, j: number) => 1000 * t + 10 * i + j,
    score: sat,
    rewards: { length },
    seed: 1,
  };
  const list = temperatureHeadroom(model, tok, prompts, opts);
  assert.deepEqual(
    list.map((r) => r.temperature),
    [1, 0.7, 0.3, 0],
  );
  const rows = Object.fromEntries(list.map((r) => [String(r.temperature), r]));
  assert.ok(Math.abs(rows["1"].kl_per_answer.mean) < 1e-5, `KL at T = 1: ${rows["1"].kl_per_answer.mean}`);
  assert.equal(rows["1"].score_gain.mean, 0);
  assert.equal(rows["1"].reward_gain.length.mean, 0);
  assert.ok(rows["0.3"].kl_per_answer.mean > rows["0.7"].kl_per_answer.mean);
  for (const t of ["0.7", "0.3", "0"]) {
    assert.equal(rows[t].score_gain.n, prompts.length);
    assert.ok(
      Math.abs(rows[t].score_gain.mean - (rows[t].score - rows["1"].score)) < 1e-9,
      "every prompt has the same number of answers, so the paired gain is the difference of the means",
    );
  }
  assert.deepEqual(temperatureHeadroom(model, tok, prompts, opts), list, "seeded: the same numbers again");
  assert.deepEqual(
    temperatureHeadroom(model, tok, prompts.slice(0, 1), { ...opts, temperatures: [1.5, 0.5] }).map(
      (r) => r.temperature,
    ),
    [1, 1.5, 0.5],
    "a temperature above 1 is measured against T = 1 too",
  );
  assert.throws(() => temperatureHeadroom(model, tok, [], opts), /no prompts/);
  assert.throws(() => temperatureHeadroom(model, tok, prompts, { ...opts, temperatures: [-1] }), /temperatures/);
});
