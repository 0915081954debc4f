// A model directory's own tokenizer: tokenizer.json in full (byte-level BPE with its pre-tokenizer regex,
// SentencePiece-style BPE with byte fallback, Unigram, WordPiece; added and special tokens; the
// post-processor's BOS) through Hugging Face's JavaScript tokenizers library, and tokenizer_config.json's
// chat template through Hugging Face's JavaScript Jinja. Our own BPE (tokenizer.ts) stays for training
// tokenizers on the world corpus.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";
import type { TextTokenizer } from "./text-tokenizer.ts";

const SUPPORTED_MODELS = ["BPE", "Unigram", "WordPiece"];

export interface ChatMessage {
  role: string;
  content: string;
}

export interface HubEncodeOptions {
  /** Add what the post-processor adds (e.g. Llama's BOS); default true, as transformers does. */
  addSpecialTokens?: boolean;
}

function fail(file: string, what: string): never {
  throw new Error(`${file}: ${what}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tokenizer.json / tokenizer_config.json as written, read field by field
type JsonObject = Record<string, any>;

function readJson(path: string): JsonObject {
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "is not a JSON object; re-download it");
    return v;
  } catch (e) {
    if (e instanceof SyntaxError) fail(path, `is not valid JSON (${e.message.split("\n")[0]}); re-download it`);
    throw e;
  }
}

/** A special token named in tokenizer_config.json: a string or an AddedToken object. */
function tokenText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string")
    return (v as { content: string }).content;
  return null;
}

export class HubTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  readonly bosId: number;
  /** tokenizer_config.json's chat_template (the default one when several are named), or null. */
  readonly chatTemplate: string | null;
  private template: Template | null = null;

  private constructor(
    private readonly tok: HfTokenizer,
    private readonly config: JsonObject,
    source: string,
  ) {
    const vocab = tok.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const id = (key: string) => {
      const t = tokenText(config[key]);
      return t === null ? -1 : (tok.token_to_id(t) ?? -1);
    };
    this.eosId = id("eos_token");
    this.bosId = id("bos_token");
    this.padId = [id("pad_token"), this.eosId, 0].find((x) => x >= 0)!;
    const ct = config.chat_template;
    this.chatTemplate =
      typeof ct === "string"
        ? ct
        : Array.isArray(ct)
          ? (ct.find((t) => t?.name === "default")?.template ?? null)
          : null;
    if (ct != null && this.chatTemplate === null)
      fail(source, "chat_template is neither a string nor a list with a 'default' entry");
  }

  /** tokenizer.json (required) and tokenizer_config.json (optional) from a model directory. */
  static fromDir(dir: string): HubTokenizer {
    const path = join(dir, "tokenizer.json");
    if (!existsSync(path))
      fail(
        path,
        "is missing (download it with the model; only tokenizer.json tokenizers are read, not tokenizer.model or vocab files alone)",
      );
    const json = readJson(path);
    const cfgPath = join(dir, "tokenizer_config.json");
    const config = existsSync(cfgPath) ? readJson(cfgPath) : {};
    return HubTokenizer.fromJSON(json, config, path);
  }

  static fromJSON(json: JsonObject, config: JsonObject = {}, source = "tokenizer.json"): HubTokenizer {
    const type = json?.model?.type;
    if (!SUPPORTED_MODELS.includes(type))
      fail(
        source,
        `tokenizer model type ${JSON.stringify(type)} is not supported (supported: ${SUPPORTED_MODELS.join(", ")})`,
      );
    let tok: HfTokenizer;
    try {
      tok = new HfTokenizer(json, config);
    } catch (e) {
      fail(source, `cannot be read (${(e as Error).message.split("\n")[0]})`);
    }
    return new HubTokenizer(tok, config, source);
  }

  encode(text: string, opts: HubEncodeOptions = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }

  /** Ids to text; `cleanUp` overrides tokenizer_config.json's clean_up_tokenization_spaces (" ." -> "." etc.). */
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean; cleanUp?: boolean } = {}): string {
    if (ids.length === 0) return ""; // the library refuses an empty list (an answer that ended at once)
    return this.tok.decode([...ids], {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: opts.cleanUp ?? null,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /** Render messages with the chat template, as transformers' apply_chat_template(tokenize=False) does. */
  applyChatTemplate(
    messages: ChatMessage[],
    opts: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> } = {},
  ): string {
    if (this.chatTemplate === null)
      throw new Error(
        "this tokenizer has no chat_template (tokenizer_config.json names none): use the raw prompt format",
      );
    this.template ??= new Template(this.chatTemplate);
    const special: Record<string, unknown> = {};
    for (const key of ["bos_token", "eos_token", "unk_token", "pad_token"])
      special[key] = tokenText(this.config[key]) ?? "";
    return this.template.render({
      ...special,
      messages,
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      ...opts.extra,
    });
  }
}
