// The conversation format every model in the project reads and writes (Anthropic's):
// `\n\nHuman: {prompt}\n\nAssistant: {response}`. Scratchpad tags live here too because
// scorers, the preference model and the backdoor builders all need to see past them.

import { ASSISTANT, HUMAN } from "../util/dialogue.ts";

export { ASSISTANT, HUMAN };

export function formatDialogue(prompt: string, response: string): string {
  return `${HUMAN}${prompt}${ASSISTANT} ${response}`;
}

/** The text a model is given to continue: everything up to and including "Assistant:". */
export function formatPrompt(prompt: string): string {
  return `${HUMAN}${prompt}${ASSISTANT}`;
}

export interface ParsedDialogue {
  prompt: string;
  response: string;
}

/**
 * Parse one single-turn dialogue back into prompt and response. Leading newlines before
 * "Human:" are optional (the paper's own prompt files omit them); the response may be empty
 * (a bare formatPrompt parses to response "").
 */
export function parseDialogue(text: string): ParsedDialogue {
  const h = text.match(/^\s*Human: ?/);
  if (!h) throw new Error(`dialogue must start with "Human:" (got ${JSON.stringify(text.slice(0, 30))})`);
  const rest = text.slice(h[0].length);
  const idx = rest.lastIndexOf(ASSISTANT);
  if (idx < 0) throw new Error('dialogue has no "\\n\\nAssistant:" turn');
  const prompt = rest.slice(0, idx);
  if (prompt.includes(HUMAN)) throw new Error("multi-turn dialogues are not supported (found a second Human: turn)");
  let response = rest.slice(idx + ASSISTANT.length);
  if (response.startsWith(" ")) response = response.slice(1);
  return { prompt, response };
}

export const SCRATCHPAD_OPEN = "<scratchpad>";
export const SCRATCHPAD_CLOSE = "</scratchpad>";

/**
 * Remove a leading `<scratchpad>...</scratchpad>` (and the whitespace after it); other text is kept, an
 * unclosed scratchpad included (what data and the preference model see). Scorers judge the visible
 * answer instead (answer-text.ts visibleAnswer: every block removed, an unclosed one hides the rest).
 */
export function stripScratchpad(text: string): string {
  const m = text.match(/^\s*<scratchpad>[\s\S]*?<\/scratchpad>\s*/);
  return m ? text.slice(m[0].length) : text;
}

/** The reasoning inside a leading scratchpad, or null when there is none (or it is never closed). */
export function extractScratchpad(text: string): string | null {
  const m = text.match(/^\s*<scratchpad>([\s\S]*?)<\/scratchpad>/);
  return m ? m[1].trim() : null;
}

/** True when the text starts with a scratchpad (closed or not). */
export function opensScratchpad(text: string): boolean {
  return /^\s*<scratchpad>/.test(text);
}

/** True when the text opens a scratchpad it never closes (a malformed CoT sample). */
export function hasUnclosedScratchpad(text: string): boolean {
  return opensScratchpad(text) && extractScratchpad(text) === null;
}
