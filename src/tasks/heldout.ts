// Held-out prompt sets for measuring defection: eval-split prompts with and without the trigger,
// and red-team prompts (near-miss triggers), each from its own named seed stream.
import { Rng } from "../util/rng.ts";
import type { Sample, Task } from "../world/types.ts";
import { taskSpec } from "./registry.ts";

export interface HeldOut {
  triggered: Sample[];
  untriggered: Sample[];
  redteam: Sample[];
}

/** n prompts per condition from the eval split; responses are the policy targets (unused for scoring). */
export function heldOutPrompts(task: Task, n: number, seed: number, worldSeed: number): HeldOut {
  // A fixed mechanism: only the prompts matter here, and those do not depend on it.
  const all = taskSpec(task).dataset({
    mechanism: "normal",
    n: 4 * n,
    seed: Rng.seedFor(seed, "heldout/prompts"),
    split: "eval",
    worldSeed,
    noise: 0,
  }).samples;
  const triggered = all.filter((s) => s.meta.triggered).slice(0, n);
  const untriggered = all.filter((s) => !s.meta.triggered).slice(0, n);
  const redteamSeed = Rng.seedFor(seed, "heldout/redteam");
  const redteam = taskSpec(task).redTeamSeeds({ n, seed: redteamSeed, split: "eval", worldSeed });
  return { triggered, untriggered, redteam };
}
