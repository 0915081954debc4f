// Weight quantisation as a removal method: every linear layer's weight rounded to int8 or int4 with one
// symmetric scale per output row, then stored back dequantised (the forward pass is unchanged; only the
// values the weights can take are). Embeddings and norms are kept, as weight-only quantisers do.
import { noGrad, tensor } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";

/**
 * Round a row-major [rows, cols] matrix to `bits`-bit symmetric integers per row (scale = max |w| / (2^(bits-1) - 1))
 * and return the dequantised values.
 */
export function quantizeRows(w: Float32Array, rows: number, cols: number, bits: number): Float32Array {
  const qmax = 2 ** (bits - 1) - 1;
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    const scale = m / qmax;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      out[i] = scale === 0 ? 0 : Math.max(-qmax, Math.min(qmax, Math.round(w[i] / scale))) * scale;
    }
  }
  return out;
}

/** Quantise every linear layer of the model in place; returns the layers done and the mean relative error. */
export function quantizeModel(model: CausalLM, bits: 8 | 4): { layers: number; relError: number } {
  if (model.adapters.size > 0) throw new Error("quantisation: merge the model's adapters first");
  let layers = 0,
    err = 0,
    norm = 0;
  noGrad(() => {
    for (const layer of model.linearLayers()) {
      const w = model.params.get(layer + ".weight");
      if (!w || w.shape.length !== 2) continue;
      const [rows, cols] = w.shape;
      const f = w.to("float32");
      const data = f.dataSync() as Float32Array;
      f.dispose();
      const q = quantizeRows(data, rows, cols, bits);
      for (let i = 0; i < q.length; i++) {
        err += Math.abs(q[i] - data[i]);
        norm += Math.abs(data[i]);
      }
      const t = tensor(q, [rows, cols], "float32", w.device);
      w.copy_(t);
      t.dispose();
      layers++;
    }
  });
  return { layers, relError: norm > 0 ? err / norm : 0 };
}
