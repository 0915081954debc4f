// The server under a bounded loopback load (scripts/serve-load.ts, smaller): mixed valid and invalid,
// streamed and not; every request answered, errors exactly the invalid ones, heap flat, and a graceful
// shutdown mid-load that answers every request it accepted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runLoad } from "../../scripts/serve-load.ts";

setFlagsFromString("--expose-gc");
(globalThis as { gc?: unknown }).gc ??= runInNewContext("gc");

test(
  "600 requests at 32 concurrent, then a shutdown mid-load: all answered, errors = invalid requests, heap flat",
  { timeout: 60_000 },
  async (t) => {
    const s = await runLoad({ requests: 600, concurrency: 32, shutdownRequests: 128 });
    t.diagnostic(
      `load: ${s.requests} requests, ${s.errors} errors (${s.invalid} invalid), p50 ${s.p50ms.toFixed(1)} ms, p99 ${s.p99ms.toFixed(1)} ms, peak RSS ${s.peakRssMb.toFixed(0)} MB, heap ${s.heapMb.map((h) => h.toFixed(1)).join(" -> ")} MB`,
    );
    t.diagnostic(
      `shutdown: ${s.shutdown.sent} sent, ${s.shutdown.accepted} accepted and ${s.shutdown.answered} answered, ${s.shutdown.refused} refused after close`,
    );
    assert.equal(s.wrong, 0, "valid requests got a whole 200, invalid ones a whole 4xx");
    assert.equal(s.ok + s.errors, s.requests);
    assert.equal(s.errors, s.invalid);
    assert.ok(s.heapMb[s.heapMb.length - 1] - s.heapMb[0] < 8, `heap grew ${s.heapMb.join(" -> ")} MB`);
    assert.equal(s.shutdown.acceptedUnanswered, 0);
    assert.ok(s.shutdown.accepted > 0 && s.shutdown.answered + s.shutdown.refused === s.shutdown.sent);
  },
);
