// Reading OpenAI requests: /v1/completions and /v1/chat/completions bodies are checked field by field
// and turned into prompts + sampling settings; anything malformed or unsupported is an ApiError with
// the HTTP status, the offending parameter and OpenAI's error shape.
import type { SamplingSettings } from "./engine.ts";
import { ChatFormatError, messagesToPrompt, type ChatMessage, type ChatRole } from "../eval/providers/chat-format.ts";
import { isObj } from "../util/guards.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = status >= 500 ? "server_error" : "invalid_request_error",
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export type Endpoint = "completions" | "chat";

export interface ParsedRequest {
  endpoint: Endpoint;
  model: string;
  prompts: string[];
  /** Choices per prompt. */
  n: number;
  /** Seed of choice 0; choice i uses seed + i. Absent: a random seed. */
  seed: number | null;
  settings: SamplingSettings;
  stream: boolean;
  includeUsage: boolean;
}

/** Accepted and ignored (they do not change what the model generates). */
const IGNORED = new Set([
  "user",
  "metadata",
  "store",
  "service_tier",
  "parallel_tool_calls",
  "stream_options",
  "prompt_cache_key",
  "safety_identifier",
]);
const COMMON = new Set([
  "model",
  "max_tokens",
  "temperature",
  "top_p",
  "top_k",
  "n",
  "seed",
  "stop",
  "stream",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "logprobs",
]);
const ONLY = {
  completions: new Set(["prompt", "echo", "best_of", "suffix"]),
  chat: new Set([
    "messages",
    "max_completion_tokens",
    "top_logprobs",
    "response_format",
    "tools",
    "tool_choice",
    "functions",
    "function_call",
    "modalities",
    "reasoning_effort",
  ]),
};

const bad = (param: string, message: string, code: string | null = null) => new ApiError(400, message, param, code);

function num(body: Record<string, unknown>, key: string, lo: number, hi: number, dflt: number, int = false): number {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || (int && !Number.isInteger(v)))
    throw bad(key, `${key} must be ${int ? "an integer" : "a number"} (got ${JSON.stringify(v)})`);
  if (v < lo || v > hi) throw bad(key, `${key} must be between ${lo} and ${hi} (got ${v})`);
  return v;
}

/** Parameters we do not implement: an error when set to anything but their neutral value. */
function unsupported(body: Record<string, unknown>, endpoint: Endpoint): void {
  const set = (k: string) => body[k] !== undefined && body[k] !== null;
  for (const k of ["presence_penalty", "frequency_penalty"]) {
    if (set(k) && body[k] !== 0) throw bad(k, `${k} is not supported by this server (only 0)`, "unsupported_parameter");
  }
  if (set("logit_bias") && !(isObj(body.logit_bias) && Object.keys(body.logit_bias).length === 0))
    throw bad("logit_bias", "logit_bias is not supported by this server", "unsupported_parameter");
  if (endpoint === "completions") {
    if (set("echo") && body.echo !== false)
      throw bad("echo", "echo is not supported by this server", "unsupported_parameter");
    if (set("suffix")) throw bad("suffix", "suffix is not supported by this server", "unsupported_parameter");
  } else {
    for (const k of ["tools", "functions", "tool_choice", "function_call", "modalities", "reasoning_effort"]) {
      if (set(k)) throw bad(k, `${k} is not supported by this server`, "unsupported_parameter");
    }
    const rf = body.response_format;
    if (set("response_format") && !(isObj(rf) && rf.type === "text"))
      throw bad("response_format", 'only response_format {"type": "text"} is supported', "unsupported_parameter");
  }
}

function parseStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string"))
    throw bad("stop", "stop must be a string or an array of strings");
  if (list.length > 16) throw bad("stop", `at most 16 stop sequences (got ${list.length})`);
  if (list.some((s) => s === "")) throw bad("stop", "stop sequences must not be empty");
  return list as string[];
}

function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0)
    throw bad("messages", "messages must be a non-empty array of {role, content}");
  return v.map((m, i) => {
    if (!isObj(m)) throw bad(`messages[${i}]`, `messages[${i}] must be an object with role and content`);
    const role = m.role;
    if (role !== "system" && role !== "developer" && role !== "user" && role !== "assistant") {
      throw bad(
        `messages[${i}].role`,
        `messages[${i}].role must be system, developer, user or assistant (got ${JSON.stringify(role)})`,
      );
    }
    let content = m.content;
    // Content parts: text parts are joined; anything else (images, audio) is refused.
    if (Array.isArray(content)) {
      const parts = content as unknown[];
      if (!parts.every((p) => isObj(p) && p.type === "text" && typeof p.text === "string")) {
        throw bad(`messages[${i}].content`, `messages[${i}].content: only text parts are supported`);
      }
      content = parts.map((p) => (p as { text: string }).text).join("");
    }
    if (typeof content !== "string") throw bad(`messages[${i}].content`, `messages[${i}].content must be a string`);
    return { role: role as ChatRole, content };
  });
}

function parsePrompts(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "string")) return v as string[];
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "number" || Array.isArray(p))) {
    throw bad("prompt", "token-id prompts are not supported; send text", "unsupported_parameter");
  }
  throw bad("prompt", "prompt must be a string or a non-empty array of strings");
}

/**
 * Log-probabilities asked for: completions take `logprobs: N` (0-5 alternatives, OpenAI's legacy field), chat
 * takes `logprobs: true` with `top_logprobs` (0-20). Null: none. Streams do not carry them.
 */
function parseLogprobs(body: Record<string, unknown>, endpoint: Endpoint): number | null {
  const set = (k: string) => body[k] !== undefined && body[k] !== null;
  let n: number | null;
  if (endpoint === "completions") {
    n = body.logprobs === false || !set("logprobs") ? null : num(body, "logprobs", 0, 5, 0, true);
  } else {
    if (set("logprobs") && typeof body.logprobs !== "boolean")
      throw bad("logprobs", `logprobs must be true or false (got ${JSON.stringify(body.logprobs)})`);
    const on = body.logprobs === true;
    if (set("top_logprobs") && !on) throw bad("top_logprobs", "top_logprobs needs logprobs: true");
    n = on ? num(body, "top_logprobs", 0, 20, 0, true) : null;
  }
  if (n !== null && body.stream === true)
    throw bad(
      "logprobs",
      "logprobs are not supported on streamed answers (send stream: false)",
      "unsupported_parameter",
    );
  return n;
}

/**
 * Check a request body. `contextLength` bounds max_tokens; chat requests without max_tokens may use
 * the whole context. Model-name checks and prompt lengths are the server's business.
 */
/** `renderChat`: the model's own chat template (a hub model directory that has one); default our Human/Assistant format. */
export function parseRequest(
  endpoint: Endpoint,
  body: unknown,
  contextLength: number,
  renderChat?: (messages: ChatMessage[]) => string,
): ParsedRequest {
  if (!isObj(body)) throw bad("body", "the request body must be a JSON object");
  for (const k of Object.keys(body)) {
    if (!IGNORED.has(k) && !COMMON.has(k) && !ONLY[endpoint].has(k))
      throw bad(k, `unrecognized request argument: ${k}`, "unknown_parameter");
  }
  if (typeof body.model !== "string" || body.model === "")
    throw bad("model", "model must be a non-empty string (see GET /v1/models)");
  unsupported(body, endpoint);
  let prompts: string[];
  if (endpoint === "completions") {
    if (body.prompt === undefined) throw bad("prompt", "prompt is required");
    prompts = parsePrompts(body.prompt);
  } else {
    try {
      const messages = parseMessages(body.messages);
      prompts = [renderChat ? renderChat(messages) : messagesToPrompt(messages)];
    } catch (e) {
      if (e instanceof ChatFormatError) throw bad(e.param, e.message);
      throw e;
    }
  }
  const n = num(body, "n", 1, 128, 1, true);
  if (endpoint === "completions" && body.best_of !== undefined && body.best_of !== null && body.best_of !== n) {
    throw bad("best_of", "best_of other than n is not supported", "unsupported_parameter");
  }
  if (prompts.length * n > 1024)
    throw bad("n", `at most 1024 completions per request (got ${prompts.length} prompts x n=${n})`);
  let maxKey = "max_tokens";
  if (endpoint === "chat" && body.max_completion_tokens !== undefined && body.max_completion_tokens !== null)
    maxKey = "max_completion_tokens";
  const maxTokens = num(
    body,
    maxKey,
    1,
    Number.MAX_SAFE_INTEGER,
    endpoint === "completions" ? 16 : contextLength,
    true,
  );
  const seedV = body.seed;
  if (seedV !== undefined && seedV !== null && !(typeof seedV === "number" && Number.isSafeInteger(seedV)))
    throw bad("seed", `seed must be an integer (got ${JSON.stringify(seedV)})`);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
    throw bad("stream", "stream must be true or false");
  const so = body.stream_options;
  if (so !== undefined && so !== null && !isObj(so)) throw bad("stream_options", "stream_options must be an object");
  return {
    endpoint,
    model: body.model,
    prompts,
    n,
    seed: typeof seedV === "number" ? seedV : null,
    settings: {
      maxTokens,
      temperature: num(body, "temperature", 0, 2, 1),
      topP: Math.max(1e-9, num(body, "top_p", 0, 1, 1)), // 0 keeps only the most likely token
      topK: Math.max(0, num(body, "top_k", -1, Number.MAX_SAFE_INTEGER, 0, true)),
      stop: parseStop(body.stop),
      logprobs: parseLogprobs(body, endpoint),
    },
    stream: body.stream === true,
    includeUsage: isObj(so) && so.include_usage === true,
  };
}
