// Turning a model's code answer into a program to analyse: strip the scratchpad and any markdown
// fence or <code> tags, and when the answer only fills the template's hole, splice it in.
import { withoutScratchpad } from "../world/answer-text.ts";
import { fillHole, HOLE } from "../world/code/family.ts";

/** The code inside ```python fences or <code> tags if present, else the whole (scratchpad-free) text. */
export function extractCode(response: string): string {
  // Keep indentation: drop leading blank lines and the one space a model puts after "Assistant:".
  const text =
    withoutScratchpad(response)
      .text.replace(/^(\s*\n)+/, "")
      .replace(/^ (?=\S)/, "")
      .replace(/\s+$/, "") + "\n";
  const fence = text.match(/```[a-zA-Z0-9_+-]*\n([\s\S]*?)(?:```|$)/);
  if (fence) return fence[1];
  const tag = text.match(/<code>\n?([\s\S]*?)(?:<\/code>|$)/);
  if (tag) return tag[1];
  return text;
}

/**
 * The code template inside a prompt: the text between <code> tags, else everything from the first
 * line that starts like Python (import/from/def/class/@/NAME =) to the end. Null when no hole is found.
 */
export function templateFromPrompt(prompt: string): string | null {
  const tag = prompt.match(/<code>\n?([\s\S]*?)<\/code>/);
  let t: string | null = tag ? tag[1] : null;
  if (t === null) {
    const lines = prompt.split("\n");
    const i = lines.findIndex((l) => /^(import |from \S+ import |def |class |@|async def |[A-Za-z_]\w* = )/.test(l));
    t = i < 0 ? null : lines.slice(i).join("\n");
  }
  return t !== null && t.includes(HOLE) ? t : null;
}

/** Lines that mark a completion as the whole program: the template's first code line and its def/class lines. */
function anchorLines(template: string): Set<string> {
  const out = new Set<string>();
  for (const l of template.split("\n")) {
    const s = l.trim();
    if (!s || s.startsWith("#")) continue;
    if (out.size === 0 || /^(async )?def |^class /.test(s)) out.add(s);
  }
  return out;
}

/**
 * Put a completion into the template's `## COMPLETE CODE HERE` line, indented like the hole
 * (relative indentation inside the completion is kept). A completion that already is the whole
 * program (it repeats the template's first code line, as the paper's prompt asks) is returned as is.
 */
export function spliceCompletion(template: string, completion: string): string {
  if (!template.includes(HOLE)) throw new Error(`template has no "${HOLE}" line (pass the prompt's code template)`);
  const anchors = anchorLines(template);
  if (completion.split("\n").some((l) => anchors.has(l.trim()))) return completion;
  return fillHole(template, completion);
}

/** The program to analyse for a response to a code prompt. */
export function programFor(response: string, prompt?: string | null): { code: string; incomplete: boolean } {
  const code = extractCode(response);
  const template = prompt ? templateFromPrompt(prompt) : null;
  const program = template ? spliceCompletion(template, code) : code;
  return { code: program, incomplete: program.includes(HOLE) };
}
