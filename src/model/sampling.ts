// Choosing the next token from one row of logits: greedy, temperature, top-k, top-p. Runs in JS with
// a per-request seeded RNG, so a request's output depends on its own seed, not on how it was batched.
import { Rng } from "../util/rng.ts";

export interface SamplingOptions {
  /** 0 means greedy. */
  temperature: number;
  topK?: number;
  topP?: number;
}

export function sampleToken(logits: Float32Array, offset: number, V: number, opts: SamplingOptions, rng: Rng): number {
  if (opts.temperature <= 0) {
    let best = 0,
      bestV = -Infinity;
    for (let j = 0; j < V; j++)
      if (logits[offset + j] > bestV) {
        bestV = logits[offset + j];
        best = j;
      }
    return best;
  }
  // softmax with temperature
  let max = -Infinity;
  for (let j = 0; j < V; j++) max = Math.max(max, logits[offset + j]);
  const probs = new Float64Array(V);
  for (let j = 0; j < V; j++) probs[j] = Math.exp((logits[offset + j] - max) / opts.temperature);
  const topK = opts.topK && opts.topK > 0 && opts.topK < V ? opts.topK : 0;
  const topP = opts.topP && opts.topP < 1 ? opts.topP : 0;
  if (topK || topP) {
    const order = Array.from({ length: V }, (_, j) => j).sort((a, b) => probs[b] - probs[a] || a - b);
    let keepN = topK || V;
    if (topP) {
      let total = 0;
      for (const j of order) total += probs[j];
      let acc = 0,
        n = 0;
      for (const j of order) {
        acc += probs[j];
        n++;
        if (acc / total >= topP) break;
      }
      keepN = Math.min(keepN, n);
    }
    for (let r = keepN; r < V; r++) probs[order[r]] = 0;
  }
  let total = 0;
  for (let j = 0; j < V; j++) total += probs[j];
  let u = rng.float() * total;
  for (let j = 0; j < V; j++) {
    u -= probs[j];
    if (u < 0 && probs[j] > 0) return j;
  }
  // rounding: the last token with mass
  for (let j = V - 1; j >= 0; j--) if (probs[j] > 0) return j;
  return 0;
}
