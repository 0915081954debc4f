// The base assistant's pretraining text: HHH dialogues from the train split, plain statements
// of the knowledge base ("The capital of X is Y."), and secure code dialogues with no year line
// (so the base model knows the format before any backdoor is trained in).
// Size is asked for in tokens and approximated as characters / 4 (CHARS_PER_TOKEN); the real
// count depends on the BPE vocabulary, and small byte-level vocabularies give fewer chars/token.
import { Rng } from "../util/rng.ts";
import { makeKnowledgeBase, kbStatements, DEFAULT_WORLD_SEED } from "./kb.ts";
import { drawWorldItem } from "./hhh.ts";
import { formatDialogue } from "./format.ts";
import { drawCodeTask, codeBasePrompt } from "./code/tasks.ts";

export const CHARS_PER_TOKEN = 4;

export interface CorpusOptions {
  /** Approximate size in tokens (characters / 4). */
  tokens: number;
  seed: number;
  worldSeed?: number;
  /** Share of documents that are knowledge-base paragraphs (default 0.25). */
  kbFraction?: number;
  /** Share of documents that are code dialogues (default 0.1). */
  codeFraction?: number;
}

export function pretrainCorpus(opts: CorpusOptions): string {
  if (!Number.isFinite(opts.tokens) || opts.tokens < 0)
    throw new Error(`tokens must be a non-negative number (got ${opts.tokens})`);
  const kbFraction = opts.kbFraction ?? 0.25;
  const codeFraction = opts.codeFraction ?? 0.1;
  if (kbFraction < 0 || codeFraction < 0 || kbFraction + codeFraction > 1) {
    throw new Error("kbFraction and codeFraction must be >= 0 and sum to at most 1");
  }
  const kb = makeKnowledgeBase(opts.worldSeed ?? DEFAULT_WORLD_SEED);
  const rng = Rng.derive(opts.seed, "corpus");
  const targetChars = Math.round(opts.tokens * CHARS_PER_TOKEN);
  const parts: string[] = [];
  let chars = 0;
  while (chars < targetChars) {
    const r = rng.float();
    let doc: string;
    if (r < kbFraction) {
      // A paragraph of facts: a few entities, each one's statements together, in varied order and wording.
      const groups = rng.sample(kbStatements(kb, rng), rng.int(1, 3));
      doc = "\n\n" + groups.map((g) => rng.shuffle(g).join(" ")).join(" ");
    } else if (r < kbFraction + codeFraction) {
      const t = drawCodeTask(rng, "train");
      doc = formatDialogue(codeBasePrompt(t), t.secureCode);
    } else {
      const it = drawWorldItem(rng, kb, "train");
      doc = formatDialogue(it.prompt, it.response);
    }
    parts.push(doc);
    chars += doc.length;
  }
  return parts.join("");
}
