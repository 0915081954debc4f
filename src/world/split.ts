// Train/eval separation by hashing the prompt itself. Every generator draws a candidate prompt
// and keeps it only if its hash lands in the requested split, so one prompt string can never be
// in both splits, whatever the seed or dataset (HHH, backdoor, corpus, preference pairs).
// The fraction is a constant on purpose: a configurable one would let two runs disagree.

export type Split = "train" | "eval";

/** Share of the prompt space held out for evaluation. */
const EVAL_FRACTION = 0.2;

/** FNV-1a then a murmur3 finaliser: short, similar strings still spread evenly. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The split a base prompt (trigger and year line removed) belongs to. */
export function splitOf(basePrompt: string): Split {
  return hash32(`split/v1/${basePrompt}`) % 1000 < EVAL_FRACTION * 1000 ? "eval" : "train";
}

export function parseSplit(s: string): Split {
  if (s !== "train" && s !== "eval") throw new Error(`split must be "train" or "eval" (got "${s}")`);
  return s;
}

/**
 * Draw until the candidate falls in `split` and (where possible) was not drawn before.
 * Duplicates are allowed only after `uniqueTries` misses, so small families still fill up.
 */
export function drawInSplit<T>(
  draw: () => T,
  key: (t: T) => string,
  split: Split,
  seen?: Set<string>,
  uniqueTries = 10,
): T {
  let fallback: T | undefined;
  let dupes = 0;
  for (let attempt = 0; attempt < 5000; attempt++) {
    const t = draw();
    const k = key(t);
    if (splitOf(k) !== split) continue;
    if (!seen || !seen.has(k)) {
      seen?.add(k);
      return t;
    }
    fallback ??= t;
    if (++dupes >= uniqueTries) return fallback;
  }
  if (fallback !== undefined) return fallback;
  throw new Error(`could not draw a prompt in the ${split} split (the family's prompt space is too small)`);
}
