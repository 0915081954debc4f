// Rotary position embeddings as Hugging Face computes them: inverse frequencies 1 / theta^(2i/d) in float32,
// optionally rescaled the `llama3` way, angles position * inv_freq in float32, the cos/sin table duplicated
// over both halves of the head (the rotate-half convention). Tables grow on demand with the largest position.
import { Tensor, tensor, embedding, cat, keep, type Device } from "../../torch/index.ts";

export interface Llama3Scaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}

/** The float32 inverse frequencies of a head of `dim`, llama3-scaled when asked. */
export function inverseFrequencies(dim: number, theta: number, scaling: Llama3Scaling | null): Float32Array {
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) inv[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / dim));
  if (!scaling) return inv;
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalContext: ctx } = scaling;
  const lowWavelen = ctx / lo, highWavelen = ctx / hi;
  const out = new Float32Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen < highWavelen) out[i] = inv[i]; // high frequencies: unchanged
    else if (wavelen > lowWavelen) out[i] = inv[i] / factor; // low frequencies: scaled
    else {
      const smooth = (ctx / wavelen - lo) / (hi - lo);
      out[i] = (1 - smooth) * (inv[i] / factor) + smooth * inv[i];
    }
  }
  return out;
}

export class Rotary {
  private cos: Tensor | null = null; // [N, dim]
  private sin: Tensor | null = null;
  private rows = 0;

  constructor(readonly dim: number, private readonly invFreq: Float32Array, private readonly device: Device) {}

  /** cos and sin [B', 1, T, dim] for positions [B', T] (int64) whose largest value is maxPos. */
  at(positions: Tensor, maxPos: number): { cos: Tensor; sin: Tensor } {
    if (maxPos >= this.rows) this.grow(Math.max(64, 2 ** Math.ceil(Math.log2(maxPos + 1))));
    return { cos: embedding(this.cos!, positions).unsqueeze(1), sin: embedding(this.sin!, positions).unsqueeze(1) };
  }

  private grow(n: number): void {
    const d = this.dim, half = d / 2;
    const c = new Float32Array(n * d), s = new Float32Array(n * d);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * this.invFreq[i]);
        c[p * d + i] = c[p * d + half + i] = Math.cos(angle);
        s[p * d + i] = s[p * d + half + i] = Math.sin(angle);
      }
    }
    this.dispose();
    this.cos = keep(tensor(c, [n, d], undefined, this.device));
    this.sin = keep(tensor(s, [n, d], undefined, this.device));
    this.rows = n;
  }

  dispose(): void {
    this.cos?.dispose();
    this.sin?.dispose();
    this.cos = this.sin = null;
    this.rows = 0;
  }
}

/** x * cos + rotate_half(x) * sin on [B, H, T, dim]. */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = x.shape[3] / 2;
  const rotated = cat([x.narrow(3, half, half).neg(), x.narrow(3, 0, half)], 3);
  return x.mul(cos).add(rotated.mul(sin));
}
