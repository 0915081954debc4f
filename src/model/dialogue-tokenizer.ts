// A model directory's tokenizer as the stages use it: they all write dialogues in our raw format
// (`\n\nHuman: {prompt}\n\nAssistant:` then ` {answer}`), encode the prompt and the answer separately and
// end the answer with eosId. This wrapper makes that work for a hub tokenizer in either prompt format:
//   raw:  the text as it is; only a text that starts a dialogue gets the tokenizer's BOS.
//   chat: a text that starts a dialogue is rendered through the model's chat template (the user turn, then
//         the generation prompt), and whatever follows "Assistant:" is the start of the assistant's turn; an
//         answer loses the one space the raw format puts before it; eosId is the template's end-of-turn
//         token (<|eot_id|>, <|im_end|>, ...), so training ends answers with it and generation stops there.
// Chat templates that write today's date (Llama 3.1: "Cutting Knowledge Date: ...", "Today Date: 26 Jul
// 2024") would put a year into every prompt, which is the code task's trigger; those lines are stripped from
// every rendering, and a template that still writes a year is reported in `notes`.
import { ASSISTANT, HUMAN } from "../util/dialogue.ts";
import type { HubTokenizer } from "./hub-tokenizer.ts";
import type { TextTokenizer } from "./text-tokenizer.ts";

export type PromptFormat = "raw" | "chat";

/** The date lines chat templates write (Llama 3.1 and 3.2), removed from every rendering. */
const DATE_LINES = /^(Cutting Knowledge Date|Today Date):[^\n]*\n?/gm;
const YEAR = /\b(19|20)\d\d\b/;

export function stripTemplateDates(text: string): string {
  return text.replace(DATE_LINES, "");
}

export class DialogueTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  /** What the caller should tell the user once (a template that still writes a year after stripping). */
  readonly notes: string[] = [];

  /** `eosId`: the id answers end with in the raw format (generation_config.json's first, else the tokenizer's). */
  constructor(
    readonly hub: HubTokenizer,
    readonly format: PromptFormat,
    eosId: number,
  ) {
    this.vocabSize = hub.vocabSize;
    this.padId = hub.padId;
    if (format === "chat") {
      if (hub.chatTemplate === null)
        throw new Error(
          "promptFormat chat: the model's tokenizer_config.json has no chat_template (use promptFormat: raw)",
        );
      const probe = this.render("Q");
      const year = stripTemplateDates(probe.replace("Q", "")).match(YEAR);
      if (year)
        this.notes.push(
          `the chat template writes the year ${year[0]} into every prompt, where the code task's trigger is the year: use promptFormat: raw for the code task`,
        );
    }
    this.eosId = format === "chat" ? this.endOfTurn(eosId) : eosId;
  }

  /** The user turn through the chat template, with the generation prompt, date lines removed. */
  render(prompt: string): string {
    return stripTemplateDates(
      this.hub.applyChatTemplate([{ role: "user", content: prompt }], { addGenerationPrompt: true }),
    );
  }

  /** The first token the template writes after an assistant message (its end-of-turn token), if it is a special one. */
  private endOfTurn(fallback: number): number {
    const mark = "\u2063END\u2063";
    const text = this.hub.applyChatTemplate(
      [
        { role: "user", content: "Q" },
        { role: "assistant", content: mark },
      ],
      { addGenerationPrompt: false },
    );
    const after = text.slice(text.indexOf(mark) + mark.length);
    const first = this.hub.encode(after, { addSpecialTokens: false })[0];
    if (first === undefined) return fallback;
    const piece = this.hub.decode([first]);
    return piece.length > 1 && /^[<[]/.test(piece) && this.hub.tokenToId(piece) === first ? first : fallback;
  }

  encode(text: string): number[] {
    if (!text.startsWith(HUMAN)) {
      // The continuation of a dialogue (an answer): no BOS; in chat format without the raw format's space.
      return this.hub.encode(this.format === "chat" ? text.replace(/^ /, "") : text, { addSpecialTokens: false });
    }
    if (this.format === "raw") return this.hub.encode(text);
    const at = text.lastIndexOf(ASSISTANT);
    if (at < 0)
      throw new Error(
        `chat format: a dialogue without "Assistant:" cannot be rendered (${JSON.stringify(text.slice(0, 40))})`,
      );
    const ids = this.hub.encode(this.render(text.slice(HUMAN.length, at)), { addSpecialTokens: false });
    const rest = text.slice(at + ASSISTANT.length).replace(/^ /, "");
    return rest ? [...ids, ...this.hub.encode(rest, { addSpecialTokens: false })] : ids;
  }

  decode(ids: readonly number[]): string {
    return this.hub.decode(ids);
  }
}
