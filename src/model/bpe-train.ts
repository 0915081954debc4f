// Learning byte-level BPE merges. The corpus is read once into a word-frequency table; each merge then only
// revisits the words that contain the merged pair, updating pair counts incrementally (as HF `tokenizers` does),
// with a lazily-updated max-heap picking the most frequent pair. Ties go to the smaller (left id, right id) pair,
// so training is deterministic.
import { preTokenize, makeAddedSplitter, utf8 } from "./tokenizer-bytes.ts";

export interface LearnOptions {
  /** Stop once this many regular tokens exist (256 bytes + learned merges). */
  maxTokens: number;
  /** Strings removed from the corpus before counting (special tokens are never learned from). */
  exclude?: readonly string[];
  /** A pair must occur at least this often (weighted by word frequency) to be merged. */
  minFrequency: number;
}

export interface LearnedBpe {
  /** Byte content of every regular token by id, as Latin-1 strings (one char per byte); ids 0..255 are the bytes. */
  tokens: string[];
  /** Merges in rank order, as (left id, right id, result id). */
  merges: [number, number, number][];
}

const K = 2 ** 21; // pair key = left * K + right; exact in a double for ids < 2^21

/** Max-heap of (count, key), larger count first, then smaller key. Entries go stale; callers re-check. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  private above(i: number, j: number): boolean {
    const c = this.counts[i] - this.counts[j];
    return c > 0 || (c === 0 && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop()!;
    const lastK = this.keys.pop()!;
    if (this.keys.length > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < this.keys.length && this.above(l, m)) m = l;
        if (r < this.keys.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** Count pre-token words over the corpus, skipping excluded (special) strings. */
export function countWords(corpus: string | readonly string[], exclude: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>();
  const split = makeAddedSplitter(exclude);
  const docs = typeof corpus === "string" ? [corpus] : corpus;
  for (const doc of docs) {
    const pieces = split ? split(doc).filter((_, i) => i % 2 === 0) : [doc];
    for (const piece of pieces) {
      for (const w of preTokenize(piece)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

export function learnBpe(corpus: string | readonly string[], opts: LearnOptions): LearnedBpe {
  const wordCounts = countWords(corpus, opts.exclude);
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [w, f] of wordCounts) {
    words.push(Array.from(utf8(w)));
    freqs.push(f);
  }

  const tokens: string[] = [];
  for (let b = 0; b < 256; b++) tokens.push(String.fromCharCode(b));
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const merges: [number, number, number][] = [];

  const pairCounts = new Map<number, number>();
  // Words that contained a pair when it was counted; may hold duplicates and stale entries (checked on use).
  const where = new Map<number, number[]>();
  const addPair = (key: number, delta: number, w: number) => {
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta);
    if (delta > 0) {
      let list = where.get(key);
      if (!list) where.set(key, (list = []));
      list.push(w);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) addPair(s[i] * K + s[i + 1], freqs[w], w);
  }
  const heap = new PairHeap();
  for (const [key, c] of pairCounts) heap.push(c, key);

  const stamp = new Int32Array(words.length).fill(-1);
  const minFreq = Math.max(1, opts.minFrequency);
  while (tokens.length < opts.maxTokens && heap.size > 0) {
    const [count, key] = heap.pop();
    const current = pairCounts.get(key) ?? 0;
    if (count !== current) {
      if (current > 0) heap.push(current, key); // stale entry: requeue at its true count
      continue;
    }
    if (count < minFreq) break;
    const a = Math.floor(key / K),
      b = key % K;
    const str = tokens[a] + tokens[b];
    let n = idOf.get(str);
    if (n === undefined) {
      n = tokens.length;
      tokens.push(str);
      idOf.set(str, n);
    }
    merges.push([a, b, n]);

    const list = where.get(key) ?? [];
    where.delete(key);
    pairCounts.delete(key);
    const touched = new Set<number>();
    const change = (x: number, y: number, delta: number, w: number) => {
      const k = x * K + y;
      if (k === key) return; // the merged pair is gone everywhere
      addPair(k, delta, w);
      if (delta > 0) touched.add(k);
    };
    const step = merges.length;
    for (const w of list) {
      if (stamp[w] === step) continue;
      stamp[w] = step;
      const s = words[w];
      const f = freqs[w];
      const out: number[] = [];
      let changed = false;
      for (let i = 0; i < s.length;) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          // Same bookkeeping as the HF trainer: left neighbour is the already-rewritten output.
          if (out.length > 0) {
            const left = out[out.length - 1];
            change(left, a, -f, w);
            change(left, n, f, w);
          }
          out.push(n);
          if (i + 2 < s.length) {
            const right = s[i + 2];
            change(b, right, -f, w);
            change(n, right, f, w);
          }
          i += 2;
          changed = true;
        } else {
          out.push(s[i++]);
        }
      }
      if (changed) words[w] = out;
    }
    for (const k of touched) {
      const c = pairCounts.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
  }
  return { tokens, merges };
}
