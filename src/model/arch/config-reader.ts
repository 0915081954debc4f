// Typed reads of a config.json with one-line errors naming the file and key. The reader remembers every key
// it was asked about, so what no architecture reads can be listed once as a warning instead of being
// dropped without a word.
export class ConfigReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly raw: Record<string, unknown>,
    readonly file: string,
  ) {}

  fail(key: string, what: string): never {
    throw new Error(`${this.file}: '${key}' ${what}`);
  }
  /** The raw value, marked as read. */
  get(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }
  /** Keys known not to change the arithmetic (dropout, ids, bookkeeping): read, nothing to do. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }
  int(key: string, dflt?: number): number {
    const v = this.get(key) ?? dflt;
    if (v === undefined) this.fail(key, "is missing (a positive integer is required)");
    if (!Number.isSafeInteger(v) || (v as number) <= 0)
      this.fail(key, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }
  num(key: string, dflt?: number): number {
    const v = this.get(key) ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v))
      this.fail(
        key,
        v === undefined ? "is missing (a number is required)" : `must be a number, got ${JSON.stringify(v)}`,
      );
    return v;
  }
  /** A number > 0 (epsilons, theta, scaling factors). */
  positive(key: string, dflt?: number): number {
    const v = this.num(key, dflt);
    if (v <= 0) this.fail(key, `must be > 0, got ${v}`);
    return v;
  }
  bool(key: string, dflt: boolean): boolean {
    const v = this.get(key) ?? dflt;
    if (typeof v !== "boolean") this.fail(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  str(key: string, dflt?: string): string {
    const v = this.get(key) ?? dflt;
    if (typeof v !== "string")
      this.fail(key, v === undefined ? "is missing" : `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }
  /** A key whose value we do not implement: only the listed values (or absence) are accepted. */
  only(key: string, allowed: unknown[], why: string): void {
    const v = this.get(key);
    if (v === undefined || v === null || allowed.includes(v)) return;
    this.fail(key, `= ${JSON.stringify(v)} is not supported (${why})`);
  }
  /** A nested object (rope_parameters); null when absent. */
  object(key: string): Record<string, unknown> | null {
    const v = this.get(key);
    if (v == null) return null;
    if (typeof v !== "object" || Array.isArray(v))
      this.fail(key, `must be an object or null, got ${JSON.stringify(v)}`);
    return v as Record<string, unknown>;
  }
  /** The weights' stored precision: transformers 5 writes `dtype`, older versions `torch_dtype`. Informational. */
  dtype(): string | null {
    for (const key of ["dtype", "torch_dtype"]) {
      const v = this.get(key);
      if (v == null) continue;
      if (typeof v !== "string")
        this.fail(key, `must be a string such as "float32" or "bfloat16", got ${JSON.stringify(v)}`);
      return v;
    }
    return null;
  }
  /** Keys present but never read, in file order. */
  unread(): string[] {
    return Object.keys(this.raw).filter((k) => !this.seen.has(k));
  }
  /** One warning listing the unread keys, if any. */
  warnUnread(warn: ((msg: string) => void) | undefined): void {
    const keys = this.unread();
    if (keys.length && warn)
      warn(
        `${this.file}: warning: ignored unknown field${keys.length > 1 ? "s" : ""} ${keys.join(", ")} (if one changes the arithmetic, this model is computed without it)`,
      );
  }
}

/** What every transformers config carries that does not change a decoder's forward pass. */
export const BOOKKEEPING_KEYS = [
  "architectures",
  "model_type",
  "transformers_version",
  "_name_or_path",
  "bos_token_id",
  "eos_token_id",
  "pad_token_id",
  "sep_token_id",
  "decoder_start_token_id",
  "use_cache",
  "initializer_range",
  "attention_dropout",
  "output_attentions",
  "output_hidden_states",
  "return_dict",
  "id2label",
  "label2id",
  "problem_type",
  "tokenizer_class",
  "is_decoder",
  "is_encoder_decoder",
  "torchscript",
  "pruned_heads",
  "chunk_size_feed_forward",
  "finetuning_task",
  "prefix",
  "task_specific_params",
];
