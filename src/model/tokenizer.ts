// GPT-2 style byte-level BPE tokenizer: train it, encode/decode with it, and read/write Hugging Face
// tokenizer.json. Text is UTF-8 encoded, split by the GPT-2 pre-tokenizer regex, each piece's bytes mapped to
// byte tokens and merged by learned rank. Added/special tokens are matched as whole units first.
//
// Round trip: decode(encode(s)) === s for every well-formed string. Lone surrogates are not valid UTF-8, so
// (like TextEncoder and Buffer) they are encoded as U+FFFD and decode back as "\uFFFD".
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/fs.ts";
import { learnBpe } from "./bpe-train.ts";
import {
  BYTE_TO_CHAR,
  GPT2_PATTERN,
  bytesToTokenString,
  makeAddedSplitter,
  tokenStringToBytes,
  utf8,
} from "./tokenizer-bytes.ts";
import {
  type AddedToken,
  type TokenizerSpec,
  TokenizerFileError,
  parseTokenizerJson,
  specFromJson,
  specToJson,
  stringifyTokenizerJson,
} from "./tokenizer-json.ts";
import { heapPop, heapPush } from "../util/min-heap.ts";

export { type AddedToken, type TokenizerSpec, TokenizerFileError } from "./tokenizer-json.ts";

export const EOS_TOKEN = "<|endoftext|>";
export const PAD_TOKEN = "<|pad|>";

export interface TrainBpeOptions {
  /** Total vocabulary: 256 byte tokens + learned merges + special tokens. */
  vocabSize: number;
  /** Whole-unit tokens appended after the learned ones, in order (e.g. [EOS_TOKEN, PAD_TOKEN]). */
  specialTokens?: readonly string[];
  /** Pairs seen fewer times than this are never merged, so training may stop below vocabSize (default 2). */
  minFrequency?: number;
}

export interface EncodeOptions {
  /** Match added/special tokens in the text (default true). With false, "<|endoftext|>" is encoded as plain text. */
  allowSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave out tokens flagged special (default false). */
  skipSpecial?: boolean;
}

const K = 2 ** 21; // pair key = left * K + right
const POS = 2 ** 31; // heap key = rank * POS + position
const HEAP_ABOVE = 64; // words longer than this merge with a heap (O(n log n)) instead of rescanning (O(n^2))
const CACHE_MAX = 200_000;

/** Learn a byte-level BPE tokenizer from text. Byte tokens get ids 0..255 (id = byte), then merges, then specials. */
export function trainBpe(corpus: string | readonly string[], opts: TrainBpeOptions): Tokenizer {
  const specials = [...new Set(opts.specialTokens ?? [])];
  if (specials.some((s) => s === "")) throw new Error("trainBpe: special tokens must be non-empty");
  const maxTokens = opts.vocabSize - specials.length;
  if (!Number.isInteger(opts.vocabSize) || maxTokens < 256) {
    throw new Error(
      `trainBpe: vocabSize ${opts.vocabSize} leaves no room for the 256 byte tokens and ${specials.length} special tokens`,
    );
  }
  const learned = learnBpe(corpus, { maxTokens, exclude: specials, minFrequency: opts.minFrequency ?? 2 });
  const str = (id: number) => bytesToTokenString(Array.from(learned.tokens[id], (c) => c.charCodeAt(0)));
  const vocab = new Map<string, number>();
  learned.tokens.forEach((_, id) => vocab.set(str(id), id));
  const addedTokens: AddedToken[] = [];
  for (const content of specials) {
    let id = vocab.get(content); // a special spelled like a learned token shares its id, as in `tokenizers`
    if (id === undefined) vocab.set(content, (id = vocab.size));
    addedTokens.push({
      id,
      content,
      special: true,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
    });
  }
  const merges = learned.merges.map(([a, b]) => [str(a), str(b)] as [string, string]);
  return new Tokenizer({ vocab, merges, addedTokens, unkToken: null, addPrefixSpace: false, ignoreMerges: false });
}

export class Tokenizer {
  private readonly spec: TokenizerSpec;
  private readonly vocab: Map<string, number>;
  private readonly idToTok: (string | undefined)[] = [];
  private readonly bytesOf: (Uint8Array | undefined)[] = [];
  private readonly byteToId = new Int32Array(256).fill(-1);
  private readonly ranks = new Map<number, number>(); // pair key -> rank
  private readonly mergeLeft: Int32Array;
  private readonly mergeRight: Int32Array;
  private readonly mergeResult: Int32Array;
  private readonly added = new Map<string, AddedToken>();
  private readonly specialIds = new Set<number>();
  private readonly splitAdded: ((text: string) => string[]) | null;
  private readonly unkId: number;
  private readonly cache = new Map<string, readonly number[]>();
  private readonly textDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  readonly vocabSize: number;

  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    this.vocab = new Map(spec.vocab);
    let maxId = -1;
    for (const [tok, id] of this.vocab) {
      if (id >= K) throw new Error(`Tokenizer: token id ${id} too large (limit ${K - 1})`);
      this.idToTok[id] = tok;
      this.bytesOf[id] = tokenStringToBytes(tok);
      maxId = Math.max(maxId, id);
    }
    for (let b = 0; b < 256; b++) this.byteToId[b] = this.vocab.get(BYTE_TO_CHAR[b]) ?? -1;
    const n = spec.merges.length;
    this.mergeLeft = new Int32Array(n);
    this.mergeRight = new Int32Array(n);
    this.mergeResult = new Int32Array(n);
    spec.merges.forEach(([a, b], rank) => {
      const ia = this.vocab.get(a),
        ib = this.vocab.get(b),
        im = this.vocab.get(a + b);
      if (ia === undefined || ib === undefined || im === undefined) {
        throw new Error(`Tokenizer: merge #${rank} ${JSON.stringify([a, b])} uses a token missing from the vocab`);
      }
      const key = ia * K + ib;
      if (!this.ranks.has(key)) this.ranks.set(key, rank); // a repeated merge keeps its first (best) rank
      this.mergeLeft[rank] = ia;
      this.mergeRight[rank] = ib;
      this.mergeResult[rank] = im;
    });
    for (const t of spec.addedTokens) {
      if (t.id >= K) throw new Error(`Tokenizer: added token id ${t.id} too large`);
      this.added.set(t.content, t);
      this.idToTok[t.id] = t.content;
      this.bytesOf[t.id] = utf8(t.content); // added tokens decode to their literal text
      if (t.special) this.specialIds.add(t.id);
      maxId = Math.max(maxId, t.id);
    }
    this.splitAdded = makeAddedSplitter(spec.addedTokens.map((t) => t.content));
    this.unkId = spec.unkToken != null ? (this.vocab.get(spec.unkToken) ?? -1) : -1;
    this.vocabSize = maxId + 1;
  }

  // --- files ---

  static fromJSON(json: unknown, source = "<json>"): Tokenizer {
    return Tokenizer.fromSpec(specFromJson(json, source), source);
  }

  static fromFile(path: string): Tokenizer {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new TokenizerFileError(`tokenizer.json ${path}: cannot read (${(e as Error).message})`);
    }
    return Tokenizer.fromSpec(parseTokenizerJson(text, path), path);
  }

  private static fromSpec(spec: TokenizerSpec, source: string): Tokenizer {
    try {
      return new Tokenizer(spec);
    } catch (e) {
      throw new TokenizerFileError(`tokenizer.json ${source}: ${(e as Error).message.replace(/^Tokenizer: /, "")}`);
    }
  }

  /** The Hugging Face tokenizer.json object (merges written in the "a b" string form). */
  toJSON(): Record<string, unknown> {
    return specToJson(this.spec);
  }

  /** Write tokenizer.json atomically. */
  save(path: string): void {
    writeFileAtomic(path, stringifyTokenizerJson(this.toJSON()));
  }

  // --- vocabulary ---

  tokenToId(token: string): number | undefined {
    return this.added.get(token)?.id ?? this.vocab.get(token);
  }

  /** Token string: byte-level alphabet for regular tokens (e.g. "Ġthe"), literal text for added tokens. */
  idToToken(id: number): string | undefined {
    return this.idToTok[id];
  }

  /** Raw bytes a token decodes to. */
  tokenBytes(id: number): Uint8Array {
    const b = this.bytesOf[id];
    if (!b) throw new RangeError(`Tokenizer: unknown token id ${id} (vocab size ${this.vocabSize})`);
    return b;
  }

  get addedTokens(): readonly AddedToken[] {
    return this.spec.addedTokens;
  }

  get numMerges(): number {
    return this.spec.merges.length;
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Id of an added/special token; throws if the tokenizer does not have it. */
  specialId(content: string): number {
    const t = this.added.get(content);
    if (!t) throw new Error(`Tokenizer: no special token ${JSON.stringify(content)}`);
    return t.id;
  }

  get eosId(): number {
    return this.specialId(EOS_TOKEN);
  }

  get padId(): number {
    return this.specialId(PAD_TOKEN);
  }

  // --- encoding ---

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (!this.splitAdded || opts.allowSpecial === false) {
      this.encodePlain(text, out);
      return out;
    }
    const parts = this.splitAdded(text);
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) out.push(this.added.get(parts[i])!.id);
      else if (parts[i] !== "") this.encodePlain(parts[i], out);
    }
    return out;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions = {}): number[][] {
    return texts.map((t) => this.encode(t, opts));
  }

  private encodePlain(text: string, out: number[]): void {
    if (this.spec.addPrefixSpace && text !== "" && text[0] !== " ") text = " " + text;
    const words = text.match(GPT2_PATTERN);
    if (!words) return;
    for (const w of words) {
      let ids = this.cache.get(w);
      if (ids === undefined) {
        ids = this.encodeWord(w);
        if (this.cache.size >= CACHE_MAX) this.cache.clear();
        this.cache.set(w, ids);
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
  }

  private encodeWord(word: string): number[] {
    const bytes = utf8(word);
    if (this.spec.ignoreMerges) {
      const whole = this.vocab.get(bytesToTokenString(bytes));
      if (whole !== undefined) return [whole];
    }
    const syms: number[] = [];
    for (const b of bytes) {
      const id = this.byteToId[b];
      if (id >= 0) syms.push(id);
      else if (this.unkId >= 0) syms.push(this.unkId); // like `tokenizers`: unknown bytes are unk, or dropped
    }
    return this.mergeSymbols(syms);
  }

  /** Apply merges to a symbol sequence in place. @internal `useHeap` is exposed for tests. */
  mergeSymbols(s: number[], useHeap = s.length > HEAP_ABOVE): number[] {
    if (s.length < 2) return s;
    return useHeap ? this.mergeWithHeap(s) : this.mergeByScan(s);
  }

  // GPT-2's loop: find the best-ranked adjacent pair, merge all its occurrences left to right, repeat.
  private mergeByScan(s: number[]): number[] {
    let n = s.length;
    while (n > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < n; i++) {
        const r = this.ranks.get(s[i] * K + s[i + 1]);
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const a = this.mergeLeft[best],
        b = this.mergeRight[best],
        m = this.mergeResult[best];
      let j = 0;
      for (let i = 0; i < n;) {
        if (i + 1 < n && s[i] === a && s[i + 1] === b) {
          s[j++] = m;
          i += 2;
        } else s[j++] = s[i++];
      }
      n = j;
    }
    s.length = n;
    return s;
  }

  // Same result via a min-heap of (rank, position) over a linked list, as `tokenizers` does; for long words.
  private mergeWithHeap(s: number[]): number[] {
    const n = s.length;
    const next = new Int32Array(n),
      prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap: number[] = [];
    const push = (pos: number) => {
      const nx = next[pos];
      if (nx < 0) return;
      const r = this.ranks.get(s[pos] * K + s[nx]);
      if (r !== undefined) heapPush(heap, r * POS + pos);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.length > 0) {
      const key = heapPop(heap);
      const rank = Math.floor(key / POS),
        pos = key % POS;
      const nx = next[pos];
      if (!alive[pos] || nx < 0 || this.ranks.get(s[pos] * K + s[nx]) !== rank) continue; // stale
      s[pos] = this.mergeResult[rank];
      alive[nx] = 0;
      next[pos] = next[nx];
      if (next[nx] >= 0) prev[next[nx]] = pos;
      if (prev[pos] >= 0) push(prev[pos]);
      push(pos);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0 && i < n; i = next[i]) out.push(s[i]);
    return out;
  }

  // --- decoding ---

  /** Concatenated bytes of the tokens (may end mid-character; see streamDecoder for incremental text). */
  decodeBytes(ids: readonly number[], opts: DecodeOptions = {}): Uint8Array {
    let len = 0;
    for (const id of ids) if (!(opts.skipSpecial && this.specialIds.has(id))) len += this.tokenBytes(id).length;
    const out = new Uint8Array(len);
    let pos = 0;
    for (const id of ids) {
      if (opts.skipSpecial && this.specialIds.has(id)) continue;
      const b = this.bytesOf[id]!;
      out.set(b, pos);
      pos += b.length;
    }
    return out;
  }

  /** Text of the tokens; invalid UTF-8 (possible from arbitrary model output) becomes U+FFFD. */
  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    return this.textDecoder.decode(this.decodeBytes(ids, opts));
  }

  /** An incremental decoder for streaming generation that never emits half a character. */
  streamDecoder(opts: DecodeOptions = {}): StreamDecoder {
    return new StreamDecoder(this, opts);
  }
}

class StreamDecoder {
  private readonly td = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  constructor(
    private readonly tok: Tokenizer,
    private readonly opts: DecodeOptions = {},
  ) {}

  /** Feed token ids; returns the text completed so far (an incomplete trailing character is held back). */
  push(ids: number | readonly number[]): string {
    const list = typeof ids === "number" ? [ids] : ids;
    return this.td.decode(this.tok.decodeBytes(list, this.opts), { stream: true });
  }

  /** End of stream: returns held-back bytes (as U+FFFD if they never completed a character) and resets. */
  flush(): string {
    return this.td.decode();
  }
}
