// AdamW (fused C++ update) against the textbook formulas computed in JavaScript, global-norm clipping,
// and the warmup + cosine schedule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, tidy, liveTensorCount, type Tensor } from "../../src/torch/index.ts";
import { AdamW, warmupCosine } from "../../src/torch/optim.ts";
import { randomInput } from "./gradcheck.ts";

function reference(
  p: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number },
): number[] {
  const m = p.map(() => 0),
    v = p.map(() => 0);
  const q = p.slice();
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < q.length; i++) {
      q[i] *= 1 - o.lr * o.wd;
      m[i] = o.b1 * m[i] + (1 - o.b1) * g[i];
      v[i] = o.b2 * v[i] + (1 - o.b2) * g[i] * g[i];
      const mh = m[i] / (1 - o.b1 ** t),
        vh = v[i] / (1 - o.b2 ** t);
      q[i] -= (o.lr * mh) / (Math.sqrt(vh) + o.eps);
    }
  });
  return q;
}

/** Sets p.grad to g by backpropagating sum(p * g). */
function setGrad(p: Tensor, g: number[], dtype: "float32" | "float64"): void {
  tidy(() => {
    p.mul(tensor(dtype === "float64" ? Float64Array.from(g) : Float32Array.from(g), p.shape))
      .sum()
      .backward();
  });
}

for (const dtype of ["float64", "float32"] as const) {
  test(`AdamW matches the formulas (${dtype}, weight decay, per-group decay, 5 steps)`, () => {
    const o = { lr: 0.01, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1 };
    const p0 = randomInput([4, 3], 1),
      b0 = randomInput([3], 2);
    const mk = (d: number[], shape: number[]) =>
      tensor(dtype === "float64" ? Float64Array.from(d) : Float32Array.from(d), shape).requiresGrad_(true);
    const p = mk(p0, [4, 3]),
      b = mk(b0, [3]);
    const before = liveTensorCount();
    const opt = new AdamW([{ params: [p] }, { params: [b], weightDecay: 0 }], {
      lr: o.lr,
      betas: [o.b1, o.b2],
      eps: o.eps,
      weightDecay: o.wd,
    });
    const gp = Array.from({ length: 5 }, (_, s) => randomInput([12], 10 + s)),
      gb = Array.from({ length: 5 }, (_, s) => randomInput([3], 20 + s));
    for (let s = 0; s < 5; s++) {
      setGrad(p, gp[s], dtype);
      setGrad(b, gb[s], dtype);
      opt.step();
      opt.zeroGrad();
      assert.equal(p.grad, null, "zeroGrad resets gradients to none");
    }
    const tol = dtype === "float64" ? 1e-12 : 1e-5;
    const want = reference(p0, gp, o),
      wantB = reference(b0, gb, { ...o, wd: 0 });
    p.toArray().forEach((x, i) => assert.ok(Math.abs(x - want[i]) < tol, `p[${i}] ${x} vs ${want[i]}`));
    b.toArray().forEach((x, i) => assert.ok(Math.abs(x - wantB[i]) < tol, `b[${i}] ${x} vs ${wantB[i]}`));
    // Checkpoint state round trip.
    const st = opt.state();
    assert.equal(st.step, 5);
    const opt2 = new AdamW([p, b], { lr: o.lr });
    opt2.loadState(st);
    // The names checkpoints have always used: m.<i> then v.<i>, i across the groups.
    assert.deepEqual(Object.keys(st.tensors), ["m.0", "m.1", "v.0", "v.1"]);
    assert.equal(opt2.stepCount, 5);
    for (const [k, t] of Object.entries(opt2.state().tensors))
      assert.deepEqual(t.toArray(), st.tensors[k].toArray(), k);
    opt.dispose();
    opt2.dispose();
    assert.equal(liveTensorCount(), before);
    p.dispose();
    b.dispose();
  });
}

test("global-norm clipping scales all gradients together and reports the norm before clipping", () => {
  const a = tensor(Float64Array.from([0, 0]), [2]).requiresGrad_(true),
    c = tensor(Float64Array.from([0]), [1]).requiresGrad_(true);
  setGrad(a, [3, 0], "float64");
  setGrad(c, [4], "float64");
  const opt = new AdamW([a, c], { lr: 0, clipNorm: 1, weightDecay: 0 });
  const norm = opt.step();
  assert.ok(Math.abs(norm - 5) < 1e-12);
  tidy(() => {
    assert.ok(Math.abs(a.grad!.toArray()[0] - 0.6) < 1e-6);
    assert.ok(Math.abs(c.grad!.toArray()[0] - 0.8) < 1e-6);
  });
  opt.dispose();
  a.dispose();
  c.dispose();
});

test("warmup then cosine decay to minLr", () => {
  const o = { lr: 1, warmup: 10, totalSteps: 110, minLr: 0.1 };
  assert.equal(warmupCosine(0, o), 0.1);
  assert.equal(warmupCosine(9, o), 1);
  assert.ok(Math.abs(warmupCosine(10, o) - 1) < 1e-12);
  assert.ok(Math.abs(warmupCosine(60, o) - 0.55) < 1e-12);
  assert.equal(warmupCosine(110, o), 0.1);
  assert.equal(warmupCosine(500, o), 0.1);
  for (let s = 10; s < 110; s++) assert.ok(warmupCosine(s + 1, o) <= warmupCosine(s, o) + 1e-15, "decreasing");
});
