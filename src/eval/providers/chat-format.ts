// Chat messages <-> our raw conversation format ("\n\nHuman: ...\n\nAssistant: ..."), used by the
// server's /v1/chat/completions and by the HTTP provider's chat mode. The two functions are inverses
// for every well-formed prompt, so a prompt sent as messages reaches the model as the same text.
//
// System (and "developer") messages: their text is placed verbatim at the very start, before the
// first Human turn (Anthropic's original prompt convention); several are joined by a blank line.
// Our models never saw one in training, so they are best left out.
import { ASSISTANT, HUMAN } from "../../world/format.ts";

export type ChatRole = "system" | "developer" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export class ChatFormatError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** The text the model continues: system text, then alternating turns, ending in "\n\nAssistant:". */
export function messagesToPrompt(messages: readonly ChatMessage[]): string {
  if (messages.length === 0) throw new ChatFormatError("messages must contain at least one message", "messages");
  const system: string[] = [];
  let turns = "";
  let seenTurn = false;
  messages.forEach((m, i) => {
    if (m.role === "system" || m.role === "developer") {
      if (seenTurn)
        throw new ChatFormatError(
          `messages[${i}]: a ${m.role} message must come before the user and assistant messages`,
          `messages[${i}].role`,
        );
      system.push(m.content);
      return;
    }
    seenTurn = true;
    turns += m.role === "user" ? `${HUMAN}${m.content}` : `${ASSISTANT} ${m.content}`;
  });
  const last = messages[messages.length - 1];
  if (last.role !== "user")
    throw new ChatFormatError(
      "the last message must be from the user (the model answers it)",
      `messages[${messages.length - 1}].role`,
    );
  return system.join("\n\n") + turns + ASSISTANT;
}

/**
 * Split a raw prompt ending in "\n\nAssistant:" back into messages. Text before the first
 * "\n\nHuman: " becomes a system message. Throws when the prompt is not in our format.
 */
export function promptToMessages(prompt: string): ChatMessage[] {
  if (!prompt.endsWith(ASSISTANT))
    throw new Error('chat mode needs prompts ending in "\\n\\nAssistant:" (use the completions API for raw text)');
  const body = prompt.slice(0, -ASSISTANT.length);
  const first = body.indexOf(HUMAN);
  if (first < 0) throw new Error('chat mode needs prompts with a "\\n\\nHuman: " turn');
  const out: ChatMessage[] = [];
  if (first > 0) out.push({ role: "system", content: body.slice(0, first) });
  // Turns alternate: Human text up to the next "\n\nAssistant: ", assistant text up to the next "\n\nHuman: ".
  let rest = body.slice(first + HUMAN.length);
  for (;;) {
    const a = rest.indexOf(`${ASSISTANT} `);
    if (a < 0) {
      out.push({ role: "user", content: rest });
      break;
    }
    out.push({ role: "user", content: rest.slice(0, a) });
    rest = rest.slice(a + ASSISTANT.length + 1);
    const h = rest.indexOf(HUMAN);
    if (h < 0)
      throw new Error('chat mode: a prompt cannot end with an assistant turn before the final "\\n\\nAssistant:"');
    out.push({ role: "assistant", content: rest.slice(0, h) });
    rest = rest.slice(h + HUMAN.length);
  }
  return out;
}

/** The chat reply for a completion that continues "Assistant:": without the one leading space. */
export function completionToContent(text: string): string {
  return text.startsWith(" ") ? text.slice(1) : text;
}

/** Back to a completion (what the local provider returns) from a chat reply. */
export function contentToCompletion(content: string): string {
  return " " + content;
}
