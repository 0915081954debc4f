// Rotary position embeddings as Hugging Face computes them: inverse frequencies of the config's rope type
// (rope-frequencies.ts), angles position * inv_freq in float32, the cos/sin table duplicated over both halves
// of the head (the rotate-half convention) and scaled by the rope type's attention scaling. Tables grow on
// demand with the largest position; dynamic NTK rebuilds its table when the sequence outgrows max positions.
import { Tensor, tensor, embedding, cat, keep, type Device } from "../../torch/index.ts";
import { ropeFrequencies, type RopeScaling } from "./rope-frequencies.ts";

export class Rotary {
  private cos: Tensor | null = null; // [N, dim]
  private sin: Tensor | null = null;
  private rows = 0;
  /** The sequence length the table's frequencies are for (dynamic NTK only; 0 otherwise). */
  private seqLen = 0;

  constructor(
    readonly dim: number,
    private readonly theta: number,
    private readonly scaling: RopeScaling | null,
    private readonly device: Device,
  ) {}

  /** cos and sin [B', 1, T, dim] for positions [B', T] (int64) whose largest value is maxPos. */
  at(positions: Tensor, maxPos: number): { cos: Tensor; sin: Tensor } {
    const s = this.scaling;
    const seqLen = s?.type === "dynamic" ? Math.max(s.maxPositions, maxPos + 1) : 0;
    if (maxPos >= this.rows || seqLen !== this.seqLen) {
      this.seqLen = seqLen;
      this.grow(Math.max(64, 2 ** Math.ceil(Math.log2(maxPos + 1))));
    }
    return { cos: embedding(this.cos!, positions).unsqueeze(1), sin: embedding(this.sin!, positions).unsqueeze(1) };
  }

  private grow(n: number): void {
    const d = this.dim,
      half = d / 2;
    const { invFreq, attentionScaling: m } = ropeFrequencies(d, this.theta, this.scaling, this.seqLen);
    const c = new Float32Array(n * d),
      s = new Float32Array(n * d);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * invFreq[i]);
        c[p * d + i] = c[p * d + half + i] = Math.cos(angle) * m;
        s[p * d + i] = s[p * d + half + i] = Math.sin(angle) * m;
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
