// Writing OpenAI responses: whole JSON bodies, and the server-sent-event chunks of a stream
// ("data: {...}\n\n" per chunk, then "data: [DONE]\n\n").
import { randomBytes } from "node:crypto";
import type { EngineResult, TokenLogprobs } from "./engine.ts";
import type { ParsedRequest } from "./protocol.ts";
import { completionToContent } from "../eval/providers/chat-format.ts";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Answer {
  req: ParsedRequest;
  /** Results in choice order: prompt-major, n per prompt. */
  results: EngineResult[];
  promptTokens: number[];
}

export function newId(endpoint: ParsedRequest["endpoint"]): string {
  return `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${randomBytes(12).toString("hex")}`;
}

export function usage(a: Answer): Usage {
  const prompt = a.promptTokens.reduce((x, y) => x + y, 0);
  const completion = a.results.reduce((x, r) => x + r.completionTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * OpenAI's legacy completions shape: tokens, token_logprobs, top_logprobs (text -> logprob), text_offset. Two
 * alternatives with the same text (e.g. two partial UTF-8 bytes, both shown as U+FFFD) keep the likelier one.
 */
function legacyLogprobs(l: TokenLogprobs): Record<string, unknown> {
  const top = l.top.map((alts) => {
    const o: Record<string, number> = {};
    for (const [t, lp] of alts) if (!(t in o)) o[t] = lp;
    return o;
  });
  return { tokens: l.tokens, token_logprobs: l.tokenLogprobs, top_logprobs: top, text_offset: l.textOffset };
}

/** The chat shape: one entry per token with its UTF-8 bytes and its alternatives. */
function chatLogprobs(l: TokenLogprobs): Record<string, unknown> {
  const bytes = (t: string) => [...Buffer.from(t, "utf8")];
  return {
    content: l.tokens.map((token, i) => ({
      token,
      logprob: l.tokenLogprobs[i],
      bytes: bytes(token),
      top_logprobs: l.top[i].map(([t, lp]) => ({ token: t, logprob: lp, bytes: bytes(t) })),
    })),
  };
}

export function completionBody(a: Answer, id: string, model: string): Record<string, unknown> {
  const chat = a.req.endpoint === "chat";
  return {
    id,
    object: chat ? "chat.completion" : "text_completion",
    created: now(),
    model,
    choices: a.results.map((r, index) =>
      chat
        ? {
            index,
            message: { role: "assistant", content: completionToContent(r.text) },
            finish_reason: r.finish,
            logprobs: r.logprobs ? chatLogprobs(r.logprobs) : null,
          }
        : { index, text: r.text, finish_reason: r.finish, logprobs: r.logprobs ? legacyLogprobs(r.logprobs) : null },
    ),
    usage: usage(a),
  };
}

export function sse(data: unknown): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** Every chunk of a streamed answer, as SSE text, ending with [DONE]. */
export function streamChunks(a: Answer, id: string, model: string): string[] {
  const chat = a.req.endpoint === "chat";
  const base = { id, object: chat ? "chat.completion.chunk" : "text_completion", created: now(), model };
  const out: string[] = [];
  const chunk = (choice: Record<string, unknown>) => out.push(sse({ ...base, choices: [choice] }));
  a.results.forEach((r, index) => {
    if (chat) {
      chunk({ index, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null });
      // The leading space a completion starts with is not part of the chat reply.
      let skip = r.text.startsWith(" ") ? 1 : 0;
      for (const p of r.pieces) {
        const piece = p.slice(skip);
        skip = Math.max(0, skip - p.length);
        if (piece !== "") chunk({ index, delta: { content: piece }, finish_reason: null, logprobs: null });
      }
      chunk({ index, delta: {}, finish_reason: r.finish, logprobs: null });
    } else {
      for (const p of r.pieces) chunk({ index, text: p, finish_reason: null, logprobs: null });
      chunk({ index, text: "", finish_reason: r.finish, logprobs: null });
    }
  });
  if (a.req.includeUsage) out.push(sse({ ...base, choices: [], usage: usage(a) }));
  out.push(sse("[DONE]"));
  return out;
}
