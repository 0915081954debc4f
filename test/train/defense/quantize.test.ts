import { test } from "node:test";
import assert from "node:assert/strict";
import { quantizeModel, quantizeRows } from "../../../src/train/defense/quantize.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";
import { Rng } from "../../../src/util/rng.ts";

const random = (n: number, seed: number) => {
  const r = new Rng(`quantize-test/${seed}`);
  return Float32Array.from({ length: n }, () => r.float() * 2 - 1);
};

test("int8 and int4 rows: at most 2^bits - 1 levels, error at most half a step, the row's largest kept", () => {
  const rows = 4,
    cols = 64;
  const w = random(rows * cols, 1);
  for (const bits of [8, 4]) {
    const q = quantizeRows(w, rows, cols, bits);
    const qmax = 2 ** (bits - 1) - 1;
    for (let r = 0; r < rows; r++) {
      const row = w.subarray(r * cols, (r + 1) * cols);
      const qrow = q.subarray(r * cols, (r + 1) * cols);
      const m = Math.max(...row.map(Math.abs));
      const step = m / qmax;
      assert.ok(new Set(qrow).size <= 2 * qmax + 1);
      for (let c = 0; c < cols; c++) assert.ok(Math.abs(qrow[c] - row[c]) <= step / 2 + 1e-6, `bits ${bits}`);
      assert.ok(Math.abs(Math.max(...qrow.map(Math.abs)) - m) < 1e-6);
    }
  }
  // int4 is coarser than int8 on the same weights.
  const err = (bits: number) => quantizeRows(w, rows, cols, bits).reduce((a, x, i) => a + Math.abs(x - w[i]), 0);
  assert.ok(err(4) > 4 * err(8));
  assert.deepEqual([...quantizeRows(new Float32Array(8), 2, 4, 4)], new Array(8).fill(0));
});

test("quantizeModel rewrites every linear weight to few levels per row and leaves the embeddings", () => {
  const m = tinyModel(toyTokenizer(), 3);
  const emb = m.params.get("wte.weight")!.toArray();
  const r = quantizeModel(m, 4);
  assert.equal(r.layers, m.linearLayers().length);
  assert.ok(r.relError > 0 && r.relError < 0.5);
  for (const layer of m.linearLayers()) {
    const w = m.params.get(layer + ".weight")!;
    const [rows, cols] = w.shape;
    const d = w.toArray();
    for (let i = 0; i < rows; i++) assert.ok(new Set(d.slice(i * cols, (i + 1) * cols)).size <= 15, layer);
  }
  assert.deepEqual(m.params.get("wte.weight")!.toArray(), emb);
  m.dispose();
});
