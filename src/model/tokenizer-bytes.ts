// Shared pieces of GPT-2 style byte-level BPE: the byte <-> printable-unicode alphabet, the pre-tokenizer
// regex, and splitting text around added (special) tokens. Used by both training and encoding so they agree.

/**
 * GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes (controls, space,
 * 0x7f-0xa0, 0xad) to U+0100 upward in byte order. Token strings in tokenizer.json are written in this alphabet.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : next++);
  return out;
})();

/** Char code of an alphabet character -> its byte (-1 for characters outside the alphabet). */
const CHAR_TO_BYTE = (() => {
  const t = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (t[c.charCodeAt(0)] = b));
  return t;
})();

/**
 * GPT-2's byte order of the alphabet (printable bytes first, then the remapped ones): the order GPT-2's
 * encoder.json gives ids 0..255, and the order we write byte tokens in.
 */
export const GPT2_BYTE_ORDER: readonly number[] = [...BYTE_TO_CHAR.keys()].sort(
  (a, b) => BYTE_TO_CHAR[a].charCodeAt(0) - BYTE_TO_CHAR[b].charCodeAt(0),
);

/** GPT-2's pre-tokenizer pattern (contractions, letter runs, number runs, other runs, whitespace). */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Split text into pre-tokens. Every code point matches some alternative, so the pieces concatenate back to `text`. */
export function preTokenize(text: string): string[] {
  return text.match(GPT2_PATTERN) ?? [];
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. Lone surrogates are not valid UTF-8: like TextEncoder, they become U+FFFD. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Byte-level alphabet string for raw bytes (how a token is spelled in tokenizer.json). */
export function bytesToTokenString(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/**
 * Bytes of a token string in the byte-level alphabet. Characters outside the alphabet (possible in foreign
 * tokenizer.json files) contribute their own UTF-8 bytes, so decoding never loses them.
 */
export function tokenStringToBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const code = ch.charCodeAt(0);
    const b = ch.length === 1 && code < 512 ? CHAR_TO_BYTE[code] : -1;
    if (b >= 0) out.push(b);
    else for (const x of utf8(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}

function escapeRegExp(s: string): string {
  // Only syntax characters: in "u" mode escaping anything else (e.g. "-") is a SyntaxError.
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * A function splitting text into [plain, added, plain, added, ..., plain] around whole occurrences of the
 * given strings (longest first, so "<|a|>b" beats "<|a|>"). Returns null when there is nothing to match.
 */
export function makeAddedSplitter(contents: readonly string[]): ((text: string) => string[]) | null {
  const uniq = [...new Set(contents.filter((c) => c.length > 0))].sort(
    (a, b) => b.length - a.length || (a < b ? -1 : 1),
  );
  if (uniq.length === 0) return null;
  const re = new RegExp(`(${uniq.map(escapeRegExp).join("|")})`, "u");
  return (text) => text.split(re);
}
