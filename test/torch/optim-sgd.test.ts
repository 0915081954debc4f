// SGD with momentum against torch.optim.SGD's update written out in JavaScript (float64): L2 weight decay added to
// the gradient, the buffer set to the first gradient, dampening, Nesterov, global-norm clipping first, the learning
// rate changed between steps, and the state's round trip through loadState.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, tidy, liveTensorCount, type Tensor } from "../../src/torch/index.ts";
import { SGD } from "../../src/torch/optim-sgd.ts";
import { randomInput } from "./gradcheck.ts";

interface SgdRef {
  lrs: number[];
  momentum: number;
  dampening: number;
  nesterov: boolean;
  wd: number;
}

/** torch.optim.SGD (_single_tensor_sgd) step by step; grads[s] is the (already clipped) gradient of step s. */
function reference(p: number[], grads: number[][], o: SgdRef): number[] {
  const q = p.slice();
  let buf: number[] | null = null;
  grads.forEach((g, s) => {
    const d = g.map((x, i) => x + o.wd * q[i]);
    let step = d;
    if (o.momentum !== 0) {
      const prev: number[] | null = buf;
      buf = prev === null ? d.slice() : prev.map((b, i) => o.momentum * b + (1 - o.dampening) * d[i]);
      const b = buf;
      step = o.nesterov ? d.map((x, i) => x + o.momentum * b[i]) : b;
    }
    for (let i = 0; i < q.length; i++) q[i] -= o.lrs[s] * step[i];
  });
  return q;
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
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= tol, `${what}[${i}] ${x} vs ${want[i]}`));
}

const LRS = [0.1, 0.05, 0.08, 0.02, 0.03];

for (const dtype of ["float64", "float32"] as const) {
  test(`SGD matches torch.optim.SGD (${dtype}, momentum 0.9, L2 weight decay on one group, lr changed per step, 5 steps)`, () => {
    const p0 = randomInput([4, 3], 1),
      b0 = randomInput([3], 2);
    const p = param(p0, [4, 3], dtype),
      b = param(b0, [3], dtype);
    const before = liveTensorCount();
    const opt = new SGD([{ params: [p] }, { params: [b], weightDecay: 0 }], { lr: LRS[0], weightDecay: 0.1 });
    assert.equal(opt.momentum, 0.9, "torch's momentum default here is 0.9");
    const gp = LRS.map((_, s) => randomInput([12], 10 + s)),
      gb = LRS.map((_, s) => randomInput([3], 20 + s));
    LRS.forEach((lr, s) => {
      opt.lr = lr;
      setGrad(p, gp[s]);
      setGrad(b, gb[s]);
      assert.ok(Number.isNaN(opt.step()), "no clip: no norm");
      opt.zeroGrad();
      assert.equal(p.grad, null);
    });
    assert.equal(liveTensorCount(), before + 2, "only the two momentum buffers stay");
    const tol = dtype === "float64" ? 1e-12 : 1e-5;
    const o = { lrs: LRS, momentum: 0.9, dampening: 0, nesterov: false, wd: 0.1 };
    close(p.toArray(), reference(p0, gp, o), tol, "p");
    close(b.toArray(), reference(b0, gb, { ...o, wd: 0 }), tol, "b");
    // Without momentum the same gradients end elsewhere: the comparison can tell the two apart.
    const plain = reference(p0, gp, { ...o, momentum: 0 });
    assert.ok(
      p.toArray().some((x, i) => Math.abs(x - plain[i]) > 1e-3),
      "momentum changes the result",
    );
    opt.dispose();
    assert.equal(liveTensorCount(), before);
    p.dispose();
    b.dispose();
  });
}

for (const variant of [
  { name: "Nesterov", momentum: 0.8, dampening: 0, nesterov: true },
  { name: "dampening 0.3", momentum: 0.7, dampening: 0.3, nesterov: false },
  { name: "no momentum", momentum: 0, dampening: 0, nesterov: false },
]) {
  test(`SGD matches torch.optim.SGD (${variant.name}, weight decay 0.05, 4 steps)`, () => {
    const p0 = randomInput([2, 5], 3);
    const p = param(p0, [2, 5], "float64");
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.05, ...variant });
    const gs = [0, 1, 2, 3].map((s) => randomInput([10], 30 + s));
    gs.forEach((g, s) => {
      opt.lr = LRS[s];
      setGrad(p, g);
      opt.step();
      opt.zeroGrad();
    });
    close(p.toArray(), reference(p0, gs, { lrs: LRS, wd: 0.05, ...variant }), 1e-12, "p");
    assert.equal(Object.keys(opt.state().tensors).length, variant.momentum ? 1 : 0);
    opt.dispose();
    p.dispose();
  });
}

test("SGD: clipNorm scales all gradients together before the update and returns the norm before clipping", () => {
  const a0 = randomInput([3, 2], 4),
    c0 = randomInput([2], 5);
  const a = param(a0, [3, 2], "float64"),
    c = param(c0, [2], "float64");
  const opt = new SGD([a, c], { lr: 0.1, clipNorm: 1 });
  const ga = [randomInput([6], 40, 3), randomInput([6], 41, 0.01)],
    gc = [randomInput([2], 42, 3), randomInput([2], 43, 0.01)];
  const clipped: number[][][] = [];
  for (let s = 0; s < 2; s++) {
    setGrad(a, ga[s]);
    setGrad(c, gc[s]);
    const total = Math.hypot(...ga[s], ...gc[s]);
    const norm = opt.step();
    assert.ok(Math.abs(norm - total) < 1e-12, `norm ${norm} vs ${total}`);
    const k = Math.min(1, 1 / (total + 1e-6)); // torch.nn.utils.clip_grad_norm_'s coefficient
    clipped.push([ga[s].map((x) => x * k), gc[s].map((x) => x * k)]);
    opt.zeroGrad();
  }
  assert.ok(Math.hypot(...ga[0], ...gc[0]) > 1 && Math.hypot(...ga[1], ...gc[1]) < 1, "the clip acts on step 1 only");
  const o = { lrs: [0.1, 0.1], momentum: 0.9, dampening: 0, nesterov: false, wd: 0 };
  close(
    a.toArray(),
    reference(
      a0,
      clipped.map((g) => g[0]),
      o,
    ),
    1e-12,
    "a",
  );
  close(
    c.toArray(),
    reference(
      c0,
      clipped.map((g) => g[1]),
      o,
    ),
    1e-12,
    "c",
  );
  opt.dispose();
  a.dispose();
  c.dispose();
});

test("SGD: a parameter without a gradient is left as it is", () => {
  const a = param([1, 2], [2], "float64"),
    c = param([3, 4], [2], "float64");
  const opt = new SGD([a, c], { lr: 0.1 });
  setGrad(a, [1, 1]);
  opt.step();
  assert.deepEqual(c.toArray(), [3, 4]);
  close(a.toArray(), [0.9, 1.9], 1e-12, "a");
  opt.dispose();
  a.dispose();
  c.dispose();
});

test("SGD: state round trip (momentum.<i>, step): a fresh optimiser loaded from it takes the same next step", () => {
  const p0 = randomInput([3, 3], 6),
    b0 = randomInput([3], 7);
  const gs = [0, 1, 2, 3].map((s) => [randomInput([9], 50 + s), randomInput([3], 60 + s)]);
  const run = (p: Tensor, b: Tensor, opt: SGD, s: number) => {
    setGrad(p, gs[s][0]);
    setGrad(b, gs[s][1]);
    opt.step();
    opt.zeroGrad();
  };
  const p = param(p0, [3, 3], "float64"),
    b = param(b0, [3], "float64");
  const opt = new SGD([{ params: [p] }, { params: [b], weightDecay: 0 }], { lr: 0.05, weightDecay: 0.01 });
  for (let s = 0; s < 3; s++) run(p, b, opt, s);
  const st = opt.state();
  assert.deepEqual(Object.keys(st.tensors), ["momentum.0", "momentum.1"]);
  assert.equal(st.step, 3);
  // A second copy of the parameters as they stand, and a fresh optimiser with the saved state.
  const p2 = param(p.toArray(), [3, 3], "float64"),
    b2 = param(b.toArray(), [3], "float64");
  const fresh = () => new SGD([{ params: [p2] }, { params: [b2], weightDecay: 0 }], { lr: 0.05, weightDecay: 0.01 });
  const opt2 = fresh();
  opt2.loadState(st);
  assert.equal(opt2.stepCount, 3);
  // Without the state the next step differs (the buffer restarts from the gradient).
  const pu = param(p.toArray(), [3, 3], "float64"),
    bu = param(b.toArray(), [3], "float64");
  const unloaded = new SGD([{ params: [pu] }, { params: [bu], weightDecay: 0 }], { lr: 0.05, weightDecay: 0.01 });
  run(p, b, opt, 3);
  run(p2, b2, opt2, 3);
  run(pu, bu, unloaded, 3);
  assert.deepEqual(p2.toArray(), p.toArray());
  assert.deepEqual(b2.toArray(), b.toArray());
  assert.notDeepEqual(pu.toArray(), p.toArray());
  // A state for other parameters is refused with a one-line error.
  const p3 = param(p0, [3, 3], "float64");
  const opt3 = new SGD([p3], { lr: 0.05 });
  assert.throws(
    () => opt3.loadState(st),
    /^Error: sgd optimizer state has 2 tensors, the parameters need 1 \(unexpected momentum\.1\)$/,
  );
  assert.throws(
    () => opt3.loadState({ step: 1, tensors: { "momentum.0": st.tensors["momentum.1"] } }),
    /sgd optimizer state 'momentum\.0' has shape \[3\], the parameter needs \[3,3\]/,
  );
  for (const o of [opt, opt2, opt3, unloaded]) o.dispose();
  for (const t of [p, b, p2, b2, p3, pu, bu]) t.dispose();
});
