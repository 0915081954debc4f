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
