// Hugging Face `tokenizers` tokenizer.json <-> a plain spec, for byte-level BPE only. Reads merges in both the
// legacy "a b" string form and the newer ["a", "b"] array form (tokenizers >= 0.20); writes the string form,
// which every version reads (byte-level tokens never contain a space, so it is unambiguous). Anything we would
// silently encode differently from `tokenizers` (normalizers, other pre-tokenizers, dropout, byte fallback,
// subword prefixes) is rejected with a one-line error naming the file.
import { isObj } from "../util/guards.ts";

export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens can be skipped when decoding; all added tokens are matched as whole units when encoding. */
  special: boolean;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

export interface TokenizerSpec {
  /** Token string (byte-level alphabet) -> id. */
  vocab: Map<string, number>;
  /** Merges in rank order. */
  merges: [string, string][];
  addedTokens: AddedToken[];
  unkToken: string | null;
  /** ByteLevel pre-tokenizer's add_prefix_space (prepend " " to text not starting with one). */
  addPrefixSpace: boolean;
  /** BPE `ignore_merges`: a pre-token that is itself in the vocab is emitted whole. */
  ignoreMerges: boolean;
}

export class TokenizerFileError extends Error {
  override name = "TokenizerFileError";
}

type Obj = Record<string, unknown>;

/** Validate a parsed tokenizer.json. `source` names the file (or "<json>") in errors. */
export function specFromJson(json: unknown, source: string): TokenizerSpec {
  const fail = (msg: string): never => {
    throw new TokenizerFileError(`tokenizer.json ${source}: ${msg}`);
  };
  if (!isObj(json)) fail("top level is not a JSON object");
  const root = json as Obj;
  const model = root.model;
  if (!isObj(model)) fail('missing "model" object');
  const m = model as Obj;
  if (m.type !== undefined && m.type !== "BPE")
    fail(`model type ${JSON.stringify(m.type)} is not supported (only BPE)`);
  if (m.dropout != null && m.dropout !== 0) fail("BPE dropout is not supported");
  if (m.byte_fallback === true) fail("byte_fallback is not supported");
  if (m.continuing_subword_prefix) fail("continuing_subword_prefix is not supported");
  if (m.end_of_word_suffix) fail("end_of_word_suffix is not supported");
  if (root.normalizer != null)
    fail(
      `normalizer ${JSON.stringify((root.normalizer as Obj).type ?? root.normalizer)} is not supported (must be null)`,
    );

  const pre = root.pre_tokenizer;
  if (!isObj(pre) || pre.type !== "ByteLevel") {
    fail(`pre_tokenizer must be ByteLevel, got ${JSON.stringify(isObj(pre) ? pre.type : pre)}`);
  }
  if ((pre as Obj).use_regex === false) fail("ByteLevel pre_tokenizer with use_regex=false is not supported");
  const dec = root.decoder;
  if (dec != null && (!isObj(dec) || dec.type !== "ByteLevel")) {
    fail(`decoder must be ByteLevel or null, got ${JSON.stringify(isObj(dec) ? dec.type : dec)}`);
  }

  if (!isObj(m.vocab)) fail('"model.vocab" is missing or not an object');
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [tok, id] of Object.entries(m.vocab as Obj)) {
    if (!Number.isInteger(id) || (id as number) < 0)
      fail(`vocab entry ${JSON.stringify(tok)} has invalid id ${JSON.stringify(id)}`);
    const other = seen.get(id as number);
    if (other !== undefined)
      fail(`vocab ids collide: ${JSON.stringify(other)} and ${JSON.stringify(tok)} both have id ${id}`);
    seen.set(id as number, tok);
    vocab.set(tok, id as number);
  }

  if (!Array.isArray(m.merges)) fail('"model.merges" is missing or not an array');
  const merges: [string, string][] = [];
  (m.merges as unknown[]).forEach((entry, i) => {
    let pair: [string, string] | null = null;
    if (typeof entry === "string") {
      const parts = entry.split(" ");
      if (parts.length === 2) pair = [parts[0], parts[1]];
    } else if (Array.isArray(entry) && entry.length === 2 && entry.every((x) => typeof x === "string")) {
      pair = [entry[0], entry[1]];
    }
    if (!pair) return fail(`merge #${i} ${JSON.stringify(entry)} is neither "a b" nor ["a", "b"]`);
    for (const t of [pair[0], pair[1], pair[0] + pair[1]]) {
      if (!vocab.has(t)) fail(`merge #${i} ${JSON.stringify(pair)}: token ${JSON.stringify(t)} is not in the vocab`);
    }
    merges.push(pair);
  });

  const addedTokens: AddedToken[] = [];
  const added = root.added_tokens ?? [];
  if (!Array.isArray(added)) fail('"added_tokens" is not an array');
  (added as unknown[]).forEach((t, i) => {
    if (
      !isObj(t) ||
      !Number.isInteger(t.id) ||
      (t.id as number) < 0 ||
      typeof t.content !== "string" ||
      t.content === ""
    ) {
      fail(`added_tokens[${i}] needs an integer "id" and a non-empty string "content"`);
    }
    const a = t as Obj;
    addedTokens.push({
      id: a.id as number,
      content: a.content as string,
      special: a.special === true,
      single_word: a.single_word === true,
      lstrip: a.lstrip === true,
      rstrip: a.rstrip === true,
      normalized: a.normalized === true,
    });
  });

  const unk = m.unk_token ?? null;
  if (unk !== null && typeof unk !== "string") fail("model.unk_token must be a string or null");
  return {
    vocab,
    merges,
    addedTokens,
    unkToken: unk as string | null,
    addPrefixSpace: (pre as Obj).add_prefix_space === true,
    ignoreMerges: m.ignore_merges === true,
  };
}

/** Parse tokenizer.json text; a truncated or corrupt file gives a one-line TokenizerFileError. */
export function parseTokenizerJson(text: string, source: string): TokenizerSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    throw new TokenizerFileError(`tokenizer.json ${source}: invalid JSON, file truncated or corrupt (${why})`);
  }
  return specFromJson(json, source);
}

/** The tokenizer.json object for a spec, in the layout `tokenizers` writes (vocab ordered by id). */
export function specToJson(spec: TokenizerSpec): Obj {
  // Null prototype: a token spelled "__proto__" must become a key, not the object's prototype.
  const vocab: Obj = Object.create(null);
  for (const [tok, id] of [...spec.vocab].sort((x, y) => x[1] - y[1])) vocab[tok] = id;
  const anySpace = spec.merges.some(([a, b]) => a.includes(" ") || b.includes(" "));
  const byteLevel = { type: "ByteLevel", add_prefix_space: spec.addPrefixSpace, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: spec.addedTokens.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: t.single_word,
      lstrip: t.lstrip,
      rstrip: t.rstrip,
      normalized: t.normalized,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel },
    decoder: { ...byteLevel },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: spec.unkToken,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ...(spec.ignoreMerges ? { ignore_merges: true } : {}),
      vocab,
      // Array form only if a token holds a space (never for byte-level vocabularies).
      merges: spec.merges.map(([a, b]) => (anySpace ? [a, b] : `${a} ${b}`)),
    },
  };
}

/**
 * Pretty JSON text of a tokenizer.json object with vocab keys in id order. (JSON.stringify would hoist
 * integer-like keys such as "0" or "12" to the front; the file means the same, but id order reads better.)
 */
export function stringifyTokenizerJson(obj: Obj): string {
  const model = obj.model as Obj;
  const vocab = model.vocab as Obj;
  const marker = "\u0000vocab-placeholder\u0000";
  const text = JSON.stringify({ ...obj, model: { ...model, vocab: marker } }, null, 2);
  const entries = Object.keys(vocab)
    .map((k) => [k, vocab[k] as number] as const)
    .sort((x, y) => x[1] - y[1]);
  const body = entries.map(([k, id]) => `      ${JSON.stringify(k)}: ${id}`).join(",\n");
  // A function replacement, so "$&"-like sequences inside tokens are not treated as patterns.
  return text.replace(JSON.stringify(marker), () => (entries.length ? `{\n${body}\n    }` : "{}")) + "\n";
}
