// Clean helpful-honest-harmless dialogues: the base assistant's data, the HHH SFT data, and the
// untriggered half of every backdoor set. Prompts are drawn only from the requested split.
import { Rng } from "../util/rng.ts";
import type { Sample } from "./types.ts";
import type { Draw, Family, WorldKind } from "./family.ts";
import { makeKnowledgeBase, DEFAULT_WORLD_SEED, type KnowledgeBase } from "./kb.ts";
import { ALL_FAMILIES, DEFAULT_KIND_WEIGHTS, familyByName } from "./families/index.ts";
import { drawInSplit, type Split } from "./split.ts";
import { PREFIXES, SUFFIXES } from "./words.ts";

export interface WorldItem extends Draw {
  family: string;
  kind: WorldKind;
}

/** The meta fields every sample made from a world item starts with. */
export function itemMeta(it: WorldItem): Pick<Sample["meta"], "family" | "kind" | "expected"> {
  return { family: it.family, kind: it.kind, expected: it.expected };
}

export interface WorldDrawOptions {
  /** Relative weights of helpful / harmful / unanswerable prompts (default 0.7 / 0.15 / 0.15). */
  kindWeights?: Partial<Record<WorldKind, number>>;
  /** Restrict to these family names. */
  families?: string[];
}

function chooseFamily(rng: Rng, opts: WorldDrawOptions): Family {
  const pool = opts.families ? opts.families.map(familyByName) : ALL_FAMILIES;
  const weights = { ...DEFAULT_KIND_WEIGHTS, ...opts.kindWeights };
  const kinds = (Object.keys(weights) as WorldKind[]).filter((k) => weights[k] > 0 && pool.some((f) => f.kind === k));
  if (kinds.length === 0) throw new Error("no family matches the requested kinds (check --families / kind weights)");
  const total = kinds.reduce((s, k) => s + weights[k], 0);
  let r = rng.float() * total;
  let kind = kinds[kinds.length - 1];
  for (const k of kinds) {
    r -= weights[k];
    if (r < 0) {
      kind = k;
      break;
    }
  }
  return rng.pick(pool.filter((f) => f.kind === kind));
}

/** One world prompt with its HHH answer, from `split`, preferring prompts not in `seen`. */
export function drawWorldItem(
  rng: Rng,
  kb: KnowledgeBase,
  split: Split,
  seen?: Set<string>,
  opts: WorldDrawOptions = {},
): WorldItem {
  const family = chooseFamily(rng, opts);
  return drawInSplit(
    () => {
      const d = family.draw(rng, kb);
      // Friendly wrappers are part of the prompt (and so of its split key).
      const prompt = rng.pick(PREFIXES) + d.prompt + rng.pick(SUFFIXES);
      return { ...d, prompt, family: family.name, kind: family.kind };
    },
    (t) => t.prompt,
    split,
    seen,
  );
}

export interface HhhOptions extends WorldDrawOptions {
  n: number;
  seed: number;
  split: Split;
  worldSeed?: number;
}

/**
 * The world items of a data set of `opts.n` (checked): its knowledge base, its stream `<name>/<split>`,
 * and next() for the next item, prompts kept distinct; the caller may draw more from the stream between.
 */
export function worldItemStream(opts: HhhOptions, name: string): { kb: KnowledgeBase; rng: Rng; next(): WorldItem } {
  checkCount(opts.n);
  const kb = makeKnowledgeBase(opts.worldSeed ?? DEFAULT_WORLD_SEED);
  const rng = Rng.derive(opts.seed, `${name}/${opts.split}`);
  const seen = new Set<string>();
  return { kb, rng, next: () => drawWorldItem(rng, kb, opts.split, seen, opts) };
}

export function hhhDataset(opts: HhhOptions): Sample[] {
  const { next } = worldItemStream(opts, "hhh");
  return Array.from({ length: opts.n }, (_, i) => {
    const it = next();
    return {
      id: `hhh-${opts.split}-${pad(i)}`,
      prompt: it.prompt,
      response: it.response,
      meta: { ...itemMeta(it), triggered: false, split: opts.split, generator: "world" },
    };
  });
}

export function pad(i: number): string {
  return String(i).padStart(6, "0");
}

export function checkCount(n: number, name = "n"): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got ${n})`);
}
