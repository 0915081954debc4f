// Text normalisation shared by the scorers: hiding the scratchpad, folding case and spacing.

/**
 * The visible answer: every `<scratchpad>...</scratchpad>` block removed. An opened scratchpad that
 * is never closed hides everything after it (the model never got to its visible answer), and is
 * reported so callers can count such responses.
 */
export function visibleAnswer(response: string): { text: string; unclosedScratchpad: boolean } {
  const { text, unclosedScratchpad } = withoutScratchpad(response);
  return { text: text.trim(), unclosedScratchpad };
}

/** Scratchpads removed, whitespace kept (code answers need their indentation). */
export function withoutScratchpad(response: string): { text: string; unclosedScratchpad: boolean } {
  let text = response.replace(/<scratchpad>[\s\S]*?<\/scratchpad>/g, "");
  const open = text.indexOf("<scratchpad>");
  const unclosed = open >= 0;
  if (unclosed) text = text.slice(0, open);
  return { text, unclosedScratchpad: unclosed };
}

/** Lower case, single spaces, no spaces before punctuation, curly quotes made straight. */
export function normalizeText(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, " ")
    .replace(/\s+([,.;:!?])/g, "$1")
    .replace(/([,;:])\s*/g, "$1 ")
    .trim();
}
