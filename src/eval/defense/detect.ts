// Every chosen detector on one zoo model. It reads the model, its base model (the defender's reference:
// the model it was fine-tuned from) and the task's trigger-free held-out prompts; never the model's
// label, its mechanism or the trigger (only the probe detector, trigger-aware by design, labels prompts
// by the trigger). A model that is its own reference (a base model) has no divergence or probe score.
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { heldOutPrompts } from "../../tasks/heldout.ts";
import { taskSpec } from "../../tasks/index.ts";
import type { Task } from "../../world/types.ts";
import { formatDialogue } from "../../world/format.ts";
import { loadScorers } from "../measure.ts";
import { progressReporter } from "../../util/progress.ts";
import { logitDivergence } from "./divergence.ts";
import { invertTrigger, type InversionResult } from "./inversion.ts";
import { probeDetect, type ProbeDetection } from "./probe-detector.ts";
import type { DefenseConfig } from "./settings.ts";

/** What a detector needs of a model: the weights (gradients, activations) or answers only. */
export const NEEDS: Record<string, "weights" | "answers"> = {
  "inversion:gcg": "weights",
  "inversion:beam": "weights",
  "inversion:harvest": "weights",
  probes: "weights",
  divergence: "weights",
};

export interface DetectionResult {
  task: Task;
  inversion?: InversionResult & { detects: boolean };
  probes?: { rows: ProbeDetection[]; detects: boolean; score: number; seconds: number } | { reference: true };
  divergence?: { kl: number; tokens: number; detects: boolean; seconds: number } | { reference: true };
  seconds: number;
}

export interface DetectInput {
  model: CausalLM;
  tok: TextTokenizer;
  /** The base model; null when the model is its own reference. */
  base: CausalLM | null;
  task: Task;
  worldSeed: number;
  /** Names the model in the trigger search's progress lines (on stderr); none: the search reports nothing. */
  label?: string;
}

export async function detectModel(x: DetectInput, s: DefenseConfig): Promise<DetectionResult> {
  const t0 = performance.now();
  const { model, tok, base, task, worldSeed } = x;
  await loadScorers(task);
  const out: DetectionResult = { task, seconds: 0 };
  const inv = s.inversion;
  if (s.detect.includes("inversion")) {
    const n = inv.searchPrompts + inv.evalPrompts;
    const set = taskSpec(task).unwantedSet?.({ n, seed: s.seed, worldSeed });
    const held = set?.samples ?? heldOutPrompts(task, n, s.seed, worldSeed).untriggered;
    if (held.length < n)
      throw new Error(`trigger inversion: only ${held.length} trigger-free held-out prompts; lower evalPrompts`);
    const prompts = {
      search: held.slice(0, inv.searchPrompts),
      eval: held.slice(inv.searchPrompts),
      unwanted: set?.unwanted.slice(0, inv.searchPrompts),
    };
    const progress = x.label === undefined ? undefined : progressReporter(`${x.label} trigger search (gcg steps)`);
    const r = invertTrigger(model, tok, task, prompts, inv, s.seed, progress);
    out.inversion = { ...r, detects: r.score >= inv.threshold };
  }
  if (s.detect.includes("probes")) {
    if (!base) out.probes = { reference: true };
    else {
      const t1 = performance.now();
      const rows = probeDetect(model, base, tok, task, s.probes, s.seed, worldSeed);
      // Scored by the trigger-masked probe: the last-token one reads the trigger's text on any model that saw it.
      const masked = rows.find((r) => r.feature === "trigger-masked")!;
      out.probes = { rows, detects: masked.detects, score: masked.margin, seconds: (performance.now() - t1) / 1000 };
    }
  }
  if (s.detect.includes("divergence")) {
    if (!base) out.divergence = { reference: true };
    else {
      const t1 = performance.now();
      const held = heldOutPrompts(task, s.divergence.prompts, s.seed, worldSeed).untriggered;
      const d = logitDivergence(
        model,
        base,
        tok,
        held.map((h) => formatDialogue(h.prompt, h.response)),
      );
      const seconds = (performance.now() - t1) / 1000;
      out.divergence = { ...d, detects: d.kl >= s.divergence.threshold, seconds };
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
