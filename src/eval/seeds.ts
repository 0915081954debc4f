// The one seed scheme of every measurement: answer k to the prompt keyed `key` (a sample id) under run
// seed `seed` is sampled with its own named stream, so it depends on its prompt, settings and seed,
// never on its batch or on which command asked. Kept apart from the sampler so that scoring and
// remote evaluation never load the tensor engine.
import { Rng } from "../util/rng.ts";

export function answerSeed(seed: number, key: string, k = 0): number {
  return Rng.seedFor(seed, `eval/${key}/${k}`);
}
