// Rotary inverse frequencies and the attention scaling of each rope type the Llama family ships, as
// transformers computes them (modeling_rope_utils): the float32 base 1 / theta^(2i/d), then
//   linear  (position interpolation): every frequency / factor;
//   dynamic (NTK-aware): theta grows to theta * (factor * L / L0 - (factor - 1))^(d / (d - 2)) once the sequence
//           length L passes max_position_embeddings L0 (below it, the base frequencies);
//   yarn    (Peng et al. 2023): a ramp between interpolated (/ factor) and original frequencies over the
//           dimensions turning between beta_slow and beta_fast times in the original context, and cos/sin
//           scaled by 0.1 ln(factor) + 1 (or the given attention_factor / mscale ratio);
//   llama3  (Llama 3.1): low frequencies / factor, high ones kept, a smooth blend between.
export type RopeScaling =
  | { type: "linear"; factor: number }
  | { type: "dynamic"; factor: number; maxPositions: number }
  | {
      type: "yarn";
      factor: number;
      originalContext: number;
      betaFast: number;
      betaSlow: number;
      attentionFactor: number;
      truncate: boolean;
    }
  | { type: "llama3"; factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number };

export type RopeType = "default" | RopeScaling["type"];
export const ROPE_TYPES: readonly RopeType[] = ["default", "linear", "dynamic", "yarn", "llama3"];

export interface RopeFrequencies {
  invFreq: Float32Array;
  /** cos and sin are multiplied by this (yarn's mscale; 1 otherwise). */
  attentionScaling: number;
}

function baseFrequencies(dim: number, theta: number): Float32Array {
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) inv[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / dim));
  return inv;
}

/** yarn's default attention factor: 0.1 * mscale * ln(scale) + 1 (1 when not stretched). */
export function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/** The frequencies for a head of `dim` at a sequence length of `seqLen` (only dynamic depends on it). */
export function ropeFrequencies(dim: number, theta: number, scaling: RopeScaling | null, seqLen = 0): RopeFrequencies {
  if (!scaling) return { invFreq: baseFrequencies(dim, theta), attentionScaling: 1 };
  switch (scaling.type) {
    case "linear":
      return { invFreq: baseFrequencies(dim, theta).map((f) => f / scaling.factor), attentionScaling: 1 };
    case "dynamic": {
      const L0 = scaling.maxPositions,
        L = Math.max(seqLen, L0),
        f = scaling.factor;
      return {
        invFreq: baseFrequencies(dim, theta * ((f * L) / L0 - (f - 1)) ** (dim / (dim - 2))),
        attentionScaling: 1,
      };
    }
    case "yarn":
      return { invFreq: yarnFrequencies(dim, theta, scaling), attentionScaling: scaling.attentionFactor };
    case "llama3":
      return { invFreq: llama3Frequencies(baseFrequencies(dim, theta), scaling), attentionScaling: 1 };
  }
}

function yarnFrequencies(dim: number, theta: number, s: Extract<RopeScaling, { type: "yarn" }>): Float32Array {
  // The dimension index that turns `rotations` times over the original context.
  const correctionDim = (rotations: number) =>
    (dim * Math.log(s.originalContext / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = correctionDim(s.betaFast),
    high = correctionDim(s.betaSlow);
  if (s.truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // as transformers: no zero-width ramp
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const pos = Math.fround(theta ** Math.fround((2 * i) / dim));
    const extrapolation = Math.fround(1 / pos),
      interpolation = Math.fround(1 / Math.fround(s.factor * pos));
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const keep = 1 - ramp; // 1: the original frequency (fast dimensions), 0: interpolated
    out[i] = interpolation * (1 - keep) + extrapolation * keep;
  }
  return out;
}

function llama3Frequencies(inv: Float32Array, s: Extract<RopeScaling, { type: "llama3" }>): Float32Array {
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalContext: ctx } = s;
  const lowWavelen = ctx / lo,
    highWavelen = ctx / hi;
  const out = new Float32Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen < highWavelen)
      out[i] = inv[i]; // high frequencies: unchanged
    else if (wavelen > lowWavelen)
      out[i] = inv[i] / factor; // low frequencies: scaled
    else {
      const smooth = (ctx / wavelen - lo) / (hi - lo);
      out[i] = (1 - smooth) * (inv[i] / factor) + smooth * inv[i];
    }
  }
  return out;
}
