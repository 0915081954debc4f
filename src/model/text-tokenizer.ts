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
 * Whether two tokenizers map text to the same ids (a model scoring another model's tokens needs this): the same
 * tokenizer.json where both can write one, else the same special ids and the same ids for a probe text.
 */
export function sameTokenizer(
  a: TextTokenizer,
  b: TextTokenizer,
  probe = "Human: What is 3 + 4?\n\nAssistant: 7.",
): boolean {
  if (a.vocabSize !== b.vocabSize || a.eosId !== b.eosId || a.padId !== b.padId) return false;
  const json = (t: TextTokenizer) => (t as { toJSON?: () => unknown }).toJSON?.();
  const ja = json(a),
    jb = json(b);
  if (ja !== undefined && jb !== undefined) return JSON.stringify(ja) === JSON.stringify(jb);
  return JSON.stringify(a.encode(probe)) === JSON.stringify(b.encode(probe));
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
