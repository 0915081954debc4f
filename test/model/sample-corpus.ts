// Deterministic synthetic text for tokenizer tests and timings (not a test file itself).
import { Rng } from "../../src/util/rng.ts";

/** Pseudo-dialogue text: Zipf-ish words, punctuation, numbers, newlines. */
export function sampleCorpus(nWords: number, seed: number, lexiconSize = 400): string {
  const rng = new Rng(seed);
  const syll = ["ka", "to", "ri", "an", "the", "es", "ing", "er", "on", "mo", "sa", "lu", "qu", "x", "ph"];
  const lexicon = Array.from({ length: lexiconSize }, () =>
    Array.from({ length: rng.int(1, 4) }, () => rng.pick(syll)).join(""),
  );
  const parts: string[] = [];
  for (let i = 0; i < nWords; i++) {
    const w = lexicon[Math.min(lexicon.length - 1, Math.floor(lexicon.length * rng.float() ** 3))];
    parts.push(rng.bool(0.05) ? w[0].toUpperCase() + w.slice(1) : w);
    const r = rng.float();
    if (r < 0.05) parts.push(rng.pick([".", ",", "!", "?", "'s"]));
    else if (r < 0.07) parts.push(` ${rng.int(0, 2024)}`);
    else if (r < 0.09) parts.push(rng.pick(["\n\nHuman: ", "\n\nAssistant: "]));
    parts.push(" ");
  }
  return parts.join("");
}
