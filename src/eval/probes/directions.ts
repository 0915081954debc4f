// Probe directions that are not fitted by regression: the contrast-pair direction (mean activation
// of "defect" answers minus "safe" answers to generic yes/no questions) and the random-direction
// baseline (the best of K isotropic Gaussian directions, chosen with its sign on the fit split).
import { Rng } from "../../util/rng.ts";
import { auroc } from "./auroc.ts";

/** Row vectors projected on a direction: score_i = rows_i · dir. */
export function project(rows: ArrayLike<number>[], dir: ArrayLike<number>): Float64Array {
  const d = dir.length;
  return Float64Array.from(rows, (r) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += r[j] * dir[j];
    return s;
  });
}

/** mean(defect) - mean(safe): scores along it are higher the more a state resembles the defect answers. */
export function contrastDirection(defect: ArrayLike<number>[], safe: ArrayLike<number>[]): Float64Array {
  if (defect.length === 0 || safe.length === 0)
    throw new Error("contrastDirection: need at least one text on each side");
  const d = defect[0].length;
  const dir = new Float64Array(d);
  for (const r of defect) for (let j = 0; j < d; j++) dir[j] += r[j] / defect.length;
  for (const r of safe) for (let j = 0; j < d; j++) dir[j] -= r[j] / safe.length;
  return dir;
}

/** Standard normal draws (Box-Muller) from the project's seeded generator. */
export function gaussian(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.float(),
      v = rng.float(); // u in (0, 1]
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export interface RandomBest {
  /** The chosen direction, sign included. */
  direction: Float64Array;
  /** Index of the chosen draw among the K. */
  index: number;
  /** Its AUROC on the fit split (after the sign flip: >= 0.5). */
  fitAuroc: number;
  count: number;
}

/**
 * Draw `count` random directions; keep the one whose projection best separates the fit split
 * (largest max(AUROC, 1 - AUROC), flipped to point at the positives). Only fit data is looked at:
 * the caller scores the returned direction on held-out prompts.
 */
export function bestRandomDirection(
  fitRows: ArrayLike<number>[],
  fitLabels: readonly boolean[],
  opts: { count?: number; seed?: number | string } = {},
): RandomBest {
  const count = opts.count ?? 1000;
  if (!(count >= 1)) throw new Error(`bestRandomDirection: count must be at least 1 (got ${count})`);
  if (fitRows.length !== fitLabels.length || fitRows.length === 0)
    throw new Error("bestRandomDirection: need as many labels as rows, and at least one row");
  const d = fitRows[0].length;
  const rng = Rng.derive(opts.seed ?? 0, "random-directions");
  const posRows = fitRows.filter((_, i) => fitLabels[i]),
    negRows = fitRows.filter((_, i) => !fitLabels[i]);
  if (posRows.length === 0 || negRows.length === 0)
    throw new Error("bestRandomDirection: the fit split needs both classes");
  let best: RandomBest | null = null;
  for (let k = 0; k < count; k++) {
    const dir = gaussian(rng, d);
    const a = auroc(project(posRows, dir), project(negRows, dir));
    const sep = Math.max(a, 1 - a);
    if (!best || sep > best.fitAuroc) {
      if (a < 0.5) for (let j = 0; j < d; j++) dir[j] = -dir[j];
      best = { direction: dir, index: k, fitAuroc: sep, count };
    }
  }
  return best!;
}
