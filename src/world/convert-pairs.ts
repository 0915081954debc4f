// Preference pairs for other stacks' preference training (DPO, reward models): OpenAI's preference
// fine-tuning JSONL ({"input": {"messages"}, "preferred_output", "non_preferred_output"}) and the
// {"prompt", "chosen", "rejected"} shape TRL's DPOTrainer reads (prompt in our raw format, answers with
// the leading space a model continues "Assistant:" with).
import type { PreferencePair } from "./pairs.ts";
import { formatPrompt } from "./format.ts";
import type { ExternalFormat } from "./convert.ts";

export interface OpenAIPreferenceRecord {
  input: { messages: Array<{ role: "user"; content: string }> };
  preferred_output: Array<{ role: "assistant"; content: string }>;
  non_preferred_output: Array<{ role: "assistant"; content: string }>;
  id?: string;
  meta?: PreferencePair["meta"];
}

export interface PromptChosenRejectedRecord {
  prompt: string;
  chosen: string;
  rejected: string;
  id?: string;
  meta?: PreferencePair["meta"];
}

export function exportPair(
  p: PreferencePair,
  format: ExternalFormat,
  keepMeta = false,
): OpenAIPreferenceRecord | PromptChosenRejectedRecord {
  const rec: OpenAIPreferenceRecord | PromptChosenRejectedRecord =
    format === "openai"
      ? {
          input: { messages: [{ role: "user", content: p.prompt }] },
          preferred_output: [{ role: "assistant", content: p.chosen }],
          non_preferred_output: [{ role: "assistant", content: p.rejected }],
        }
      : { prompt: formatPrompt(p.prompt), chosen: ` ${p.chosen}`, rejected: ` ${p.rejected}` };
  if (keepMeta) Object.assign(rec, { id: p.id, meta: p.meta });
  return rec;
}
