// Data-parallel pieces of the supervised loop (src/train/loop.ts). Every rank draws the same global
// batch (batchIndices is a pure function of seed and step) and takes a contiguous share of it. Each
// rank scales its local mean loss by (its loss weight x world size / the global batch's loss weight),
// so that averaging the gradients over ranks gives exactly the gradient of the global batch's mean loss,
// whatever the split of loss-carrying tokens between ranks: the losses equal a one-process run's up to
// float summation order. Rank 0's initial (or resumed) weights and optimiser state are broadcast.
import { tensor, type Device } from "../torch/index.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import type { ProcessGroup } from "../torch/dist.ts";
import type { Example } from "./batches.ts";

export interface DistOptions {
  rank: number;
  worldSize: number;
  group: ProcessGroup;
}

export function checkDist(d: DistOptions, batchSize: number): void {
  if (d.group.rank !== d.rank || d.group.worldSize !== d.worldSize)
    throw new Error(
      `dist: rank ${d.rank}/${d.worldSize} does not match its process group (${d.group.rank}/${d.group.worldSize})`,
    );
  if (batchSize < d.worldSize)
    throw new Error(
      `dist: batch size ${batchSize} is smaller than the world size ${d.worldSize}: every rank needs at least one example`,
    );
}

/** This rank's contiguous share of the global batch's indices. */
export function localShare(idx: number[], d: DistOptions): number[] {
  const lo = Math.floor((d.rank * idx.length) / d.worldSize),
    hi = Math.floor(((d.rank + 1) * idx.length) / d.worldSize);
  return idx.slice(lo, hi);
}

/** The sum of the loss weights `collate` keeps for these examples (positions past the context are cut). */
export function lossWeight(examples: Example[], contextLength: number): number {
  let s = 0;
  for (const e of examples) {
    const n = Math.min(contextLength, e.ids.length - 1);
    for (let t = 0; t < n; t++) if ((e.weights[t] ?? 0) > 0) s += e.weights[t];
  }
  return s;
}

/** Factor on this rank's local mean loss so that the average over ranks is the global mean loss. */
export function lossScale(
  examples: Example[],
  global: number[],
  local: number[],
  contextLength: number,
  d: DistOptions,
): number {
  const wg = lossWeight(
    global.map((i) => examples[i]),
    contextLength,
  );
  if (wg <= 0) return 1 / d.worldSize;
  return (
    (lossWeight(
      local.map((i) => examples[i]),
      contextLength,
    ) *
      d.worldSize) /
    wg
  );
}

/**
 * Makes every rank start from rank 0's state: weights, the optimiser's state tensors and step, and the step to
 * resume at (ranks on other machines may have no checkpoint of their own). Returns rank 0's start step. Every rank
 * runs the same optimiser, so the state tensors agree in name, order and shape.
 */
export function syncStart(opt: Optimizer, start: number, d: DistOptions): number {
  const st = opt.state();
  d.group.broadcast([...opt.params, ...Object.values(st.tensors)], 0);
  const meta = tensor(new Float64Array([start, opt.stepCount]), [2], "float64", deviceOfParams(opt));
  try {
    d.group.broadcast([meta], 0);
    const [s0, steps0] = meta.toArray();
    opt.stepCount = steps0;
    return s0;
  } finally {
    meta.dispose();
  }
}

/** Averages the gradients over ranks, and returns the global step loss from this rank's scaled share. */
export function reduceStep(opt: Optimizer, localLoss: number, d: DistOptions): number {
  d.group.allReduceGrads(opt.params);
  const l = tensor(new Float64Array([localLoss]), [1], "float64", deviceOfParams(opt));
  try {
    d.group.allReduce([l]);
    return l.toArray()[0];
  } finally {
    l.dispose();
  }
}

/** The collectives' small tensors live beside the parameters (a CUDA group reduces CUDA tensors). */
function deviceOfParams(opt: Optimizer): Device {
  return opt.params[0]?.device ?? "cpu";
}
