// Type guards for parsed JSON (results files, tokenizer.json, request bodies).

/** A plain JSON object: not null, not an array. */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
