// What generation, serving and evaluation need from a tokenizer, whichever implements it: our byte-level BPE
// (trained on the world corpus) or a Hugging Face tokenizer.json read by Hugging Face's own library.
export interface TextTokenizer {
  readonly vocabSize: number;
  /** The end-of-sequence id generation stops at (-1 when there is none). */
  readonly eosId: number;
  /** The id left padding uses (hidden from attention, so any valid id works). */
  readonly padId: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/**
 * Generated ids as decoded pieces, one per id, that join to decode(ids): each piece is what its token adds to
 * the text. A token that ends mid-character adds "" until the character completes (any tokenizer, ours or a
 * hub one, whose decoder may treat a prefix differently than the whole: the text of ids[0..i] is decoded).
 */
export function decodePieces(tok: TextTokenizer, ids: readonly number[]): string[] {
  const out: string[] = [];
  let prev = "";
  for (let i = 1; i <= ids.length; i++) {
    const text = tok.decode(ids.slice(0, i));
    if (i < ids.length && text.endsWith("\uFFFD")) {
      out.push("");
      continue;
    }
    // A decoder may rewrite the end of a prefix (cleanup of spaces); the piece is then what differs.
    let k = 0;
    while (k < prev.length && k < text.length && prev[k] === text[k]) k++;
    out.push(text.slice(k));
    prev = text;
  }
  return out;
}
