// Training examples and how they become tensors. An example is a token sequence plus a weight per
// predicted token (0 where the loss must not count, e.g. the human turn); batch order is a pure
// function of (seed, epoch), so resuming at step k sees exactly the batches an unbroken run would.
import { Rng } from "../util/rng.ts";
import { longTensor, tensor, type Device, type Tensor } from "../torch/index.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";

export interface Example {
  ids: number[];
  /** weights[t] scales the loss of predicting ids[t + 1] from ids[..t]; length ids.length - 1. */
  weights: number[];
}

export interface Batch {
  x: Tensor; // [B, T] int64
  y: Tensor; // [B * T] int64 (padding = -100)
  w: Tensor; // [B * T] float32
  tokens: number; // tokens that carry loss
  /** Every counted target has weight 1 (plain masking): the loss can skip the weights (same value, less work). */
  uniform?: boolean;
}

/** Example indices for a given step: epochs are seeded shuffles of the whole set. */
export function batchIndices(n: number, batchSize: number, step: number, seed: number): number[] {
  const out: number[] = [];
  let pos = step * batchSize;
  const orders = new Map<number, number[]>();
  for (let k = 0; k < batchSize; k++, pos++) {
    const epoch = Math.floor(pos / n);
    let order = orders.get(epoch);
    if (!order) {
      order = new Rng(`${seed}/epoch/${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
      orders.set(epoch, order);
    }
    out.push(order[pos % n]);
  }
  return out;
}

/** Pads examples into a batch on `device` (the model's: default the CPU). */
export function collate(examples: Example[], padId: number, maxLen?: number, device?: Device): Batch {
  const T = Math.min(maxLen ?? Infinity, Math.max(...examples.map((e) => e.ids.length - 1)));
  const B = examples.length;
  const x = new Int32Array(B * T).fill(padId);
  const y = new Int32Array(B * T).fill(-100);
  const w = new Float32Array(B * T);
  let tokens = 0,
    uniform = true;
  examples.forEach((e, b) => {
    const n = Math.min(T, e.ids.length - 1);
    for (let t = 0; t < n; t++) {
      x[b * T + t] = e.ids[t];
      const wt = e.weights[t] ?? 0;
      if (wt > 0) {
        y[b * T + t] = e.ids[t + 1];
        w[b * T + t] = wt;
        if (wt !== 1) uniform = false;
        tokens++;
      }
    }
  });
  return {
    x: longTensor(x, [B, T], device),
    y: longTensor(y, undefined, device),
    w: tensor(w, [B * T], undefined, device),
    tokens,
    uniform,
  };
}

/** A dialogue example: loss only on the assistant's answer (and the end-of-text token after it). */
export function dialogueExample(tok: TextTokenizer, promptText: string, responseText: string, maxLen: number): Example {
  const p = tok.encode(promptText);
  const r = [...tok.encode(responseText), tok.eosId];
  const ids = [...p, ...r].slice(0, maxLen);
  const weights = ids.slice(1).map((_, t) => (t + 1 >= p.length ? 1 : 0));
  return { ids, weights };
}

/** Cut a token stream into windows of maxLen with loss on every token (pretraining). */
export function packStream(ids: number[], maxLen: number): Example[] {
  const out: Example[] = [];
  for (let i = 0; i + 2 <= ids.length; i += maxLen - 1) {
    const chunk = ids.slice(i, i + maxLen);
    if (chunk.length < 2) break;
    out.push({ ids: chunk, weights: new Array(chunk.length - 1).fill(1) });
  }
  return out;
}
