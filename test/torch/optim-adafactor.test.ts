// Adafactor against Hugging Face transformers' Adafactor (scale_parameter, relative_step and warmup_init off) written
// out in JavaScript (float64): factored row / column second moments of 2-D and 3-D parameters, the full second
// moment of a vector, beta2 = 1 - t^-0.8, update clipping at RMS 1 (checked to engage), HF's weight decay, the
// optional first moment, global-norm clipping first, and the state's round trip through loadState.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, tidy, liveTensorCount, type Tensor } from "../../src/torch/index.ts";
import { Adafactor } from "../../src/torch/optim-adafactor.ts";
import { randomInput } from "./gradcheck.ts";

interface AfRef {
  lrs: number[];
  wd: number;
  eps1?: number;
  clipThreshold?: number;
  decayRate?: number;
  beta1?: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * HF Adafactor.step for one parameter of `shape` ([...lead, R, C] factored, a vector not), one step per gradient.
 * Returns the parameter and how many steps the update clipping scaled down.
 */
function reference(shape: number[], p: number[], grads: number[][], o: AfRef): { p: number[]; clipped: number } {
  const eps1 = o.eps1 ?? 1e-30,
    thr = o.clipThreshold ?? 1,
    decay = o.decayRate ?? -0.8;
  const n = p.length,
    factored = shape.length >= 2;
  const C = shape[shape.length - 1],
    R = factored ? shape[shape.length - 2] : 1,
    B = n / (R * C);
  const at = (b: number, r: number, c: number) => (b * R + r) * C + c;
  const row = new Array<number>(B * R).fill(0),
    col = new Array<number>(B * C).fill(0),
    v = new Array<number>(n).fill(0),
    m = new Array<number>(n).fill(0);
  const q = p.slice();
  let clipped = 0;
  grads.forEach((g, s) => {
    const t = s + 1,
      beta2t = 1 - Math.pow(t, decay),
      lr = o.lrs[s];
    const sq = g.map((x) => x * x + eps1);
    let u: number[];
    if (factored) {
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < R; r++) {
          let acc = 0;
          for (let c = 0; c < C; c++) acc += sq[at(b, r, c)];
          row[b * R + r] = beta2t * row[b * R + r] + (1 - beta2t) * (acc / C);
        }
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let r = 0; r < R; r++) acc += sq[at(b, r, c)];
          col[b * C + c] = beta2t * col[b * C + c] + (1 - beta2t) * (acc / R);
        }
      }
      u = new Array<number>(n);
      for (let b = 0; b < B; b++) {
        const rowMean = mean(row.slice(b * R, (b + 1) * R));
        for (let r = 0; r < R; r++)
          for (let c = 0; c < C; c++) {
            const vhat = (row[b * R + r] / rowMean) * col[b * C + c];
            u[at(b, r, c)] = g[at(b, r, c)] / Math.sqrt(vhat);
          }
      }
    } else {
      for (let i = 0; i < n; i++) v[i] = beta2t * v[i] + (1 - beta2t) * sq[i];
      u = g.map((x, i) => x / Math.sqrt(v[i]));
    }
    const rms = Math.sqrt(mean(u.map((x) => x * x)));
    const div = Math.max(1, rms / thr);
    if (div > 1) clipped++;
    u = u.map((x) => (x / div) * lr);
    if (o.beta1 !== undefined) {
      for (let i = 0; i < n; i++) m[i] = o.beta1 * m[i] + (1 - o.beta1) * u[i];
      u = m.slice();
    }
    for (let i = 0; i < n; i++) q[i] = q[i] - o.wd * lr * q[i] - u[i];
  });
  return { p: q, clipped };
}

type Dt = "float32" | "float64";
const arr = (d: number[], dtype: Dt) => (dtype === "float64" ? Float64Array.from(d) : Float32Array.from(d));
const param = (d: number[], shape: number[], dtype: Dt) => tensor(arr(d, dtype), shape).requiresGrad_(true);

/** Sets p.grad to g by backpropagating sum(p * g). */
function setGrad(p: Tensor, g: number[]): void {
  tidy(() => {
    p.mul(tensor(arr(g, p.dtype as Dt), p.shape))
      .sum()
      .backward();
  });
}

function close(got: number[], want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length);
  got.forEach((x, i) =>
    assert.ok(Math.abs(x - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}] ${x} vs ${want[i]}`),
  );
}

const LRS = [0.01, 0.02, 0.015, 0.005, 0.01, 0.02];
/** Gradient scales per step: a jump up makes the update's RMS exceed 1 (beta2 is 0 at step 1, 0.43 at step 2). */
const SCALES = [1, 6, 0.3, 1, 10, 0.5];
const grads = (n: number, seed: number) => SCALES.map((k, s) => randomInput([n], seed + s, k));

for (const dtype of ["float64", "float32"] as const) {
  test(`Adafactor matches HF's (${dtype}: factored 4x3 matrix with weight decay, vector without, lr changed per step, 6 steps)`, () => {
    const w0 = randomInput([4, 3], 1),
      b0 = randomInput([3], 2);
    const w = param(w0, [4, 3], dtype),
      b = param(b0, [3], dtype);
    const before = liveTensorCount();
    const opt = new Adafactor([{ params: [w] }, { params: [b], weightDecay: 0 }], { lr: LRS[0], weightDecay: 0.1 });
    const gw = grads(12, 10),
      gb = grads(3, 20);
    LRS.forEach((lr, s) => {
      opt.lr = lr;
      setGrad(w, gw[s]);
      setGrad(b, gb[s]);
      assert.ok(Number.isNaN(opt.step()));
      opt.zeroGrad();
    });
    assert.equal(liveTensorCount(), before + 3, "row, col and the vector's v stay");
    const st = opt.state();
    assert.deepEqual(Object.keys(st.tensors), ["row.0", "col.0", "v.1"]);
    assert.deepEqual(st.tensors["row.0"].shape, [4]);
    assert.deepEqual(st.tensors["col.0"].shape, [3]);
    const tol = dtype === "float64" ? 1e-12 : 2e-6;
    const rw = reference([4, 3], w0, gw, { lrs: LRS, wd: 0.1 }),
      rb = reference([3], b0, gb, { lrs: LRS, wd: 0 });
    assert.ok(rw.clipped > 0 && rw.clipped < LRS.length, `the matrix's update clipping engaged on ${rw.clipped} steps`);
    assert.ok(rb.clipped > 0, `the vector's update clipping engaged on ${rb.clipped} steps`);
    close(w.toArray(), rw.p, tol, "w");
    close(b.toArray(), rb.p, tol, "b");
    // The factored moments themselves, after the last step: row = running mean over columns of grad^2 + eps1.
    let row = [0, 0, 0, 0];
    gw.forEach((g, s) => {
      const bt = 1 - Math.pow(s + 1, -0.8);
      row = row.map((x, r) => bt * x + (1 - bt) * mean([0, 1, 2].map((c) => g[r * 3 + c] ** 2 + 1e-30)));
    });
    close(st.tensors["row.0"].toArray(), row, tol, "row");
    // Without the update clipping the matrix would end elsewhere: the comparison sees it.
    const unclipped = reference([4, 3], w0, gw, { lrs: LRS, wd: 0.1, clipThreshold: 1e9 }).p;
    assert.ok(
      w.toArray().some((x, i) => Math.abs(x - unclipped[i]) > 1e-4),
      "update clipping changes the result",
    );
    opt.dispose();
    assert.equal(liveTensorCount(), before);
    w.dispose();
    b.dispose();
  });
}

test("Adafactor matches HF's on a 3-D parameter (row and column moments per leading index), beta1 0.9, threshold 0.5", () => {
  const shape = [2, 3, 4];
  const p0 = randomInput([24], 3);
  const p = param(p0, shape, "float64");
  const opt = new Adafactor([p], { lr: 0.01, beta1: 0.9, clipThreshold: 0.5, weightDecay: 0.02 });
  const gs = grads(24, 30);
  LRS.forEach((lr, s) => {
    opt.lr = lr;
    setGrad(p, gs[s]);
    opt.step();
    opt.zeroGrad();
  });
  const st = opt.state();
  assert.deepEqual(Object.keys(st.tensors), ["row.0", "col.0", "m.0"]);
  assert.deepEqual(st.tensors["row.0"].shape, [2, 3]);
  assert.deepEqual(st.tensors["col.0"].shape, [2, 4]);
  const r = reference(shape, p0, gs, { lrs: LRS, wd: 0.02, beta1: 0.9, clipThreshold: 0.5 });
  assert.ok(r.clipped > 0);
  close(p.toArray(), r.p, 1e-12, "p");
  opt.dispose();
  p.dispose();
});

test("Adafactor: clipNorm scales all gradients together first and returns the norm before clipping", () => {
  const w0 = randomInput([3, 2], 4),
    b0 = randomInput([2], 5);
  const w = param(w0, [3, 2], "float64"),
    b = param(b0, [2], "float64");
  const opt = new Adafactor([w, b], { lr: 0.01, clipNorm: 0.5, weightDecay: 0.1 });
  const gw = grads(6, 40),
    gb = grads(2, 50);
  const cw: number[][] = [],
    cb: number[][] = [];
  LRS.forEach((lr, s) => {
    opt.lr = lr;
    setGrad(w, gw[s]);
    setGrad(b, gb[s]);
    const total = Math.hypot(...gw[s], ...gb[s]);
    assert.ok(Math.abs(opt.step() - total) < 1e-12);
    const k = Math.min(1, 0.5 / (total + 1e-6));
    cw.push(gw[s].map((x) => x * k));
    cb.push(gb[s].map((x) => x * k));
    opt.zeroGrad();
  });
  // The clip changes the gradients' scale across steps, which moves Adafactor's (scale-free) update only through
  // the moments' mix of steps: compare against the reference fed the clipped gradients, and against the unclipped.
  const rw = reference([3, 2], w0, cw, { lrs: LRS, wd: 0.1 }).p;
  close(w.toArray(), rw, 1e-12, "w");
  close(b.toArray(), reference([2], b0, cb, { lrs: LRS, wd: 0.1 }).p, 1e-12, "b");
  const raw = reference([3, 2], w0, gw, { lrs: LRS, wd: 0.1 }).p;
  assert.ok(
    rw.some((x, i) => Math.abs(x - raw[i]) > 1e-6),
    "the clip matters",
  );
  opt.dispose();
  w.dispose();
  b.dispose();
});

test("Adafactor: state round trip (row, col, v, m and step): a fresh optimiser loaded from it takes the same next step", () => {
  const w0 = randomInput([3, 4], 6),
    b0 = randomInput([4], 7);
  const gw = grads(12, 60),
    gb = grads(4, 70);
  const make = (w: Tensor, b: Tensor) =>
    new Adafactor([{ params: [w] }, { params: [b], weightDecay: 0 }], { lr: 0.01, beta1: 0.5, weightDecay: 0.01 });
  const run = (w: Tensor, b: Tensor, opt: Adafactor, s: number) => {
    setGrad(w, gw[s]);
    setGrad(b, gb[s]);
    opt.step();
    opt.zeroGrad();
  };
  const w = param(w0, [3, 4], "float64"),
    b = param(b0, [4], "float64");
  const opt = make(w, b);
  for (let s = 0; s < 3; s++) run(w, b, opt, s);
  const st = opt.state();
  assert.deepEqual(Object.keys(st.tensors), ["row.0", "col.0", "m.0", "v.1", "m.1"]);
  const w2 = param(w.toArray(), [3, 4], "float64"),
    b2 = param(b.toArray(), [4], "float64"),
    wu = param(w.toArray(), [3, 4], "float64"),
    bu = param(b.toArray(), [4], "float64");
  const opt2 = make(w2, b2),
    unloaded = make(wu, bu);
  opt2.loadState(st);
  assert.equal(opt2.stepCount, 3);
  run(w, b, opt, 3);
  run(w2, b2, opt2, 3);
  run(wu, bu, unloaded, 3);
  assert.deepEqual(w2.toArray(), w.toArray());
  assert.deepEqual(b2.toArray(), b.toArray());
  assert.notDeepEqual(wu.toArray(), w.toArray(), "without the state (and step) the next step differs");
  const other = new Adafactor([b2], { lr: 0.01 });
  assert.throws(
    () => other.loadState(st),
    /^Error: adafactor optimizer state has 5 tensors, the parameters need 1 \(missing v\.0\) \(unexpected row\.0, col\.0, m\.0, \.\.\.\)$/,
  );
  for (const o of [opt, opt2, unloaded, other]) o.dispose();
  for (const t of [w, b, w2, b2, wu, bu]) t.dispose();
});
