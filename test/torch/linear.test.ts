// The float32 linear op runs on our own GEMM (oneDNN or BLAS, native/src/linear.cc), which the float64
// finite-difference checks do not reach (float64 takes at::linear). Check it against float64 at::linear.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor, linear, tidy, noGrad, liveTensorCount } from "../../src/torch/index.ts";
import { native } from "../../src/torch/native.ts";
import { randomInput } from "./gradcheck.ts";

const f32 = (shape: number[], seed: number) => tensor(Float32Array.from(randomInput(shape, seed)), shape);
const maxDiff = (a: Tensor, b: Tensor) => {
  const x = a.toArray(),
    y = b.toArray();
  assert.equal(x.length, y.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i])));
};

test(`float32 linear (${native.gemmPath()} GEMM) matches float64, forward and backward, for every input shape`, () => {
  const cases: Array<{ x: number[]; bias: boolean; gradX: boolean; gradW: boolean; transposed?: boolean }> = [
    { x: [3, 5, 12], bias: true, gradX: true, gradW: true },
    { x: [1, 12], bias: true, gradX: true, gradW: true }, // one row: the output must not alias the bias
    { x: [7, 12], bias: false, gradX: true, gradW: true },
    { x: [2, 3, 4, 12], bias: true, gradX: false, gradW: true },
    { x: [6, 12], bias: true, gradX: true, gradW: false },
    { x: [12, 6], bias: true, gradX: true, gradW: true, transposed: true }, // non-contiguous input
  ];
  cases.forEach((c, k) =>
    tidy(() => {
      const x = f32(c.x, 10 + k).requiresGrad_(c.gradX),
        w = f32([9, 12], 20 + k).requiresGrad_(c.gradW),
        b = f32([9], 30 + k).requiresGrad_(true);
      const bBefore = b.toArray(),
        wBefore = w.toArray();
      const xin = c.transposed ? x.transpose(0, 1) : x;
      const y = linear(xin, w, c.bias ? b : null);
      const outShape = [...xin.shape.slice(0, -1), 9];
      assert.deepEqual(y.shape, outShape);
      const g = f32(outShape, 40 + k);
      y.mul(g).sum().backward();
      // float64 reference on the same numbers
      const x64 = x.detach().to("float64").requiresGrad_(true),
        w64 = w.detach().to("float64").requiresGrad_(true),
        b64 = b.detach().to("float64").requiresGrad_(true);
      const y64 = linear(c.transposed ? x64.transpose(0, 1) : x64, w64, c.bias ? b64 : null);
      y64.mul(g.to("float64")).sum().backward();
      assert.ok(maxDiff(y, y64) < 1e-5, `case ${k}: forward ${maxDiff(y, y64)}`);
      if (c.gradX) assert.ok(maxDiff(x.grad!, x64.grad!) < 1e-5, `case ${k}: dx`);
      else assert.equal(x.grad, null);
      if (c.gradW) assert.ok(maxDiff(w.grad!, w64.grad!) < 1e-5, `case ${k}: dW`);
      else assert.equal(w.grad, null);
      if (c.bias) assert.ok(maxDiff(b.grad!, b64.grad!) < 1e-5, `case ${k}: db`);
      assert.deepEqual(b.toArray(), bBefore, "bias untouched");
      assert.deepEqual(w.toArray(), wBefore, "weight untouched");
    }),
  );
});

test("linear under noGrad, twice on the same inputs, gives the same result and leaks nothing", () => {
  const x = f32([1, 4, 8], 1),
    w = f32([5, 8], 2),
    b = f32([5], 3);
  const before = liveTensorCount();
  const a = noGrad(() => tidy(() => linear(x, w, b).toArray()));
  const c = noGrad(() => tidy(() => linear(x, w, b).toArray()));
  assert.deepEqual(a, c);
  assert.equal(liveTensorCount(), before);
  for (const t of [x, w, b]) t.dispose();
});
