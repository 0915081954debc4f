// Every differentiable op's gradient against central finite differences (float64).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Tensor,
  tensor,
  longTensor,
  cat,
  stack,
  where,
  linear,
  embedding,
  layerNorm,
  attention,
  attentionQkv,
  crossEntropy,
  liveTensorCount,
  tidy,
} from "../../src/torch/index.ts";
import { gradCheck, randomInput } from "./gradcheck.ts";

const f64 = (data: number[], shape: number[]) => tensor(Float64Array.from(data), shape);

test("matmul, bmm, linear", () => {
  gradCheck("matmul 2d", (a, b) => a.matmul(b), [{ shape: [3, 4] }, { shape: [4, 5] }]);
  gradCheck("matmul batched broadcast", (a, b) => a.matmul(b), [{ shape: [2, 3, 4] }, { shape: [4, 2] }]);
  gradCheck("matmul vector", (a, b) => a.matmul(b), [{ shape: [3, 4] }, { shape: [4] }]);
  gradCheck("bmm", (a, b) => a.bmm(b), [{ shape: [2, 3, 4] }, { shape: [2, 4, 3] }]);
  gradCheck("linear + bias (3-d input)", (x, w, b) => linear(x, w, b), [
    { shape: [2, 3, 4] },
    { shape: [5, 4] },
    { shape: [5] },
  ]);
  gradCheck("linear no bias", (x, w) => linear(x, w), [{ shape: [3, 4] }, { shape: [2, 4] }]);
});

test("elementwise arithmetic with broadcasting and scalars", () => {
  gradCheck("add", (a, b) => a.add(b), [{ shape: [2, 3] }, { shape: [2, 3] }]);
  gradCheck("add broadcast", (a, b) => a.add(b), [{ shape: [2, 3] }, { shape: [3] }]);
  gradCheck("sub broadcast", (a, b) => a.sub(b), [{ shape: [2, 1, 3] }, { shape: [4, 1] }]);
  gradCheck("mul broadcast", (a, b) => a.mul(b), [{ shape: [2, 3] }, { shape: [2, 1] }]);
  gradCheck("div broadcast", (a, b) => a.div(b), [{ shape: [2, 3] }, { shape: [3], data: [1.5, -2, 3] }]);
  gradCheck("scalar ops", (a) => a.add(2).sub(0.5).mul(-3).div(4), [{ shape: [5] }]);
  gradCheck("pow scalar", (a) => a.pow(3), [{ shape: [4] }]);
  gradCheck("pow tensor", (a, b) => a.pow(b), [{ shape: [4], data: [0.5, 1.2, 2, 3] }, { shape: [4] }]);
  gradCheck("neg, abs", (a) => a.neg().abs(), [{ shape: [6], data: [-2, -1, -0.3, 0.4, 1, 2] }]);
  gradCheck("maximum, minimum", (a, b) => a.maximum(b).add(a.minimum(b).mul(2)), [
    { shape: [5] },
    { shape: [5], data: [1, -1, 0.5, -0.2, 2.5] },
  ]);
});

test("unary math and activations", () => {
  const pos = { shape: [2, 3], data: [0.3, 0.9, 1.5, 2.2, 3.1, 4] };
  gradCheck("exp", (a) => a.exp(), [{ shape: [2, 3] }]);
  gradCheck("log", (a) => a.log(), [pos]);
  gradCheck("sqrt", (a) => a.sqrt(), [pos]);
  gradCheck("rsqrt", (a) => a.rsqrt(), [pos]);
  gradCheck("tanh", (a) => a.tanh(), [{ shape: [2, 3] }]);
  gradCheck("sigmoid", (a) => a.sigmoid(), [{ shape: [2, 3] }]);
  gradCheck("logsigmoid", (a) => a.logsigmoid(), [{ shape: [2, 3] }]);
  gradCheck("relu", (a) => a.relu(), [{ shape: [6], data: [-2, -1, -0.3, 0.4, 1, 2] }]);
  gradCheck("gelu exact", (a) => a.gelu(), [{ shape: [2, 3] }]);
  gradCheck("gelu tanh", (a) => a.gelu("tanh"), [{ shape: [2, 3] }]);
  gradCheck("clamp", (a) => a.clamp(-0.5, 0.7), [{ shape: [6], data: [-2, -0.4, 0.1, 0.6, 0.9, 2] }]);
  gradCheck("clamp min only", (a) => a.clamp(0.2), [{ shape: [4], data: [-1, 0.1, 0.5, 2] }]);
});

test("softmax, logSoftmax, layerNorm", () => {
  gradCheck("softmax last", (a) => a.softmax(-1), [{ shape: [3, 5] }]);
  gradCheck("softmax dim 0", (a) => a.softmax(0), [{ shape: [3, 5] }]);
  gradCheck("logSoftmax", (a) => a.logSoftmax(-1), [{ shape: [2, 2, 4] }]);
  gradCheck("layerNorm affine", (x, w, b) => layerNorm(x, [6], w, b), [
    { shape: [2, 3, 6] },
    { shape: [6] },
    { shape: [6] },
  ]);
  gradCheck("layerNorm plain", (x) => layerNorm(x, [4]), [{ shape: [3, 4] }]);
});

test("embedding, indexSelect, gather (gradient to the table)", () => {
  const ids = [3, 0, 3, 1, 4, 0];
  gradCheck("embedding", (w) => embedding(w, longTensor(ids, [2, 3])), [{ shape: [5, 4] }]);
  gradCheck("indexSelect", (a) => a.indexSelect(1, longTensor([2, 0, 2])), [{ shape: [2, 4] }]);
  gradCheck("gather", (a) => a.gather(1, longTensor([0, 2, 2, 1, 1, 0], [2, 3])), [{ shape: [2, 3] }]);
});

test("crossEntropy: mean, ignore index, per-token weights, sum and none", () => {
  const targets = longTensor([1, -100, 4, 0, 2, -100]);
  const w = [0.5, 1, 2, 0, 1.5, 3];
  gradCheck("ce mean", (l) => crossEntropy(l, longTensor([1, 3, 4, 0, 2, 2])), [{ shape: [6, 5] }]);
  gradCheck("ce ignore", (l) => crossEntropy(l, targets), [{ shape: [6, 5] }]);
  gradCheck("ce weights", (l) => crossEntropy(l, targets, { weights: f64(w, [6]) }), [{ shape: [6, 5] }]);
  gradCheck("ce weights sum", (l) => crossEntropy(l, targets, { weights: f64(w, [6]), reduction: "sum" }), [
    { shape: [6, 5] },
  ]);
  gradCheck("ce none", (l) => crossEntropy(l, targets, { weights: f64(w, [6]), reduction: "none" }), [
    { shape: [6, 5] },
  ]);
  gradCheck("ce custom ignore", (l) => crossEntropy(l, longTensor([1, 7, 4, 7, 2, 0]), { ignoreIndex: 7 }), [
    { shape: [6, 5] },
  ]);
  // Values, not just gradients: the weighted mean divides by the weights of the counted targets.
  tidy(() => {
    const logits = f64(randomInput([6, 5], 3), [6, 5]);
    const per = crossEntropy(logits, targets, { reduction: "none" }).toArray();
    const want = per.reduce((s, x, i) => s + x * w[i], 0) / [0, 2, 3, 4].reduce((s, i) => s + w[i], 0);
    const got = crossEntropy(logits, targets, { weights: f64(w, [6]) }).item();
    assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
    assert.equal(per[1], 0);
  });
});

test("maskedFill and where", () => {
  const mask = tensor(Uint8Array.from([1, 0, 0, 1, 0, 1]), [2, 3]).to("bool");
  gradCheck("maskedFill", (a) => a.maskedFill(mask, -7), [{ shape: [2, 3] }]);
  gradCheck("maskedFill broadcast mask", (a) => a.maskedFill(tensor(Uint8Array.from([0, 1, 0]), [3]).to("bool"), 0), [
    { shape: [2, 3] },
  ]);
  gradCheck("where tensors", (a, b) => where(mask, a, b), [{ shape: [2, 3] }, { shape: [2, 3] }]);
  gradCheck("where scalar", (a) => where(mask, a, 0.5), [{ shape: [2, 3] }]);
  mask.dispose();
});

test("attention: the split-head op (with key mask and KV offset) and the fused qkv op", () => {
  const keyMask = f64([0, 0, -1e9, 0, 0, 0, 0, 0, -1e9, 0], [2, 1, 1, 5]);
  gradCheck("attention", (q, k, v) => attention(q, k, v), [
    { shape: [2, 2, 4, 3] },
    { shape: [2, 2, 4, 3] },
    { shape: [2, 2, 4, 3] },
  ]);
  gradCheck("attention masked", (q, k, v) => attention(q, k, v, keyMask), [
    { shape: [2, 2, 5, 3] },
    { shape: [2, 2, 5, 3] },
    { shape: [2, 2, 5, 3] },
  ]);
  gradCheck("attention cached (Tq < Tk)", (q, k, v) => attention(q, k, v), [
    { shape: [1, 2, 2, 3] },
    { shape: [1, 2, 5, 3] },
    { shape: [1, 2, 5, 3] },
  ]);
  gradCheck("attention not causal", (q, k, v) => attention(q, k, v, null, false), [
    { shape: [1, 2, 3, 2] },
    { shape: [1, 2, 3, 2] },
    { shape: [1, 2, 3, 2] },
  ]);
  gradCheck("attentionQkv", (qkv) => attentionQkv(qkv, 2), [{ shape: [2, 5, 12] }]);
  gradCheck("attentionQkv masked", (qkv) => attentionQkv(qkv, 3, keyMask), [{ shape: [2, 5, 18] }]);
  gradCheck("attentionQkv not causal", (qkv) => attentionQkv(qkv, 1, null, false), [{ shape: [1, 4, 9] }]);
  // The fused op equals the split-head op on the same numbers, in float32 too.
  for (const dtype of ["float64", "float32"] as const) {
    tidy(() => {
      const [B, T, H, hd] = [3, 7, 2, 4],
        D = H * hd;
      const qkv = tensor(Float64Array.from(randomInput([B, T, 3 * D], 5)), [B, T, 3 * D]).to(dtype);
      const s = qkv.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4);
      const ref = attention(s.select(0, 0), s.select(0, 1), s.select(0, 2)).transpose(1, 2).reshape(B, T, D).toArray();
      const got = attentionQkv(qkv, H).toArray();
      const worst = Math.max(...got.map((x, i) => Math.abs(x - ref[i])));
      assert.ok(worst < (dtype === "float32" ? 1e-5 : 1e-12), `${dtype}: fused vs split ${worst}`);
    });
  }
  keyMask.dispose();
});

test("shape ops: narrow, cat, stack, transpose, permute, reshape, view, select, squeeze, expand, flip, tril", () => {
  gradCheck("narrow", (a) => a.narrow(1, 1, 2), [{ shape: [2, 4] }]);
  gradCheck("cat", (a, b) => cat([a, b], 1), [{ shape: [2, 3] }, { shape: [2, 2] }]);
  gradCheck("stack", (a, b) => stack([a, b], 0), [{ shape: [2, 3] }, { shape: [2, 3] }]);
  gradCheck("transpose", (a) => a.transpose(0, 2).contiguous(), [{ shape: [2, 3, 4] }]);
  gradCheck("permute", (a) => a.permute(2, 0, 1).reshape(4, 6), [{ shape: [2, 3, 4] }]);
  gradCheck("view", (a) => a.view(3, 2), [{ shape: [2, 3] }]);
  gradCheck("select", (a) => a.select(1, 2), [{ shape: [2, 3] }]);
  gradCheck("squeeze/unsqueeze", (a) => a.unsqueeze(0).squeeze(2).squeeze(), [{ shape: [2, 1, 3] }]);
  gradCheck("expand", (a) => a.expand(3, 2, 4), [{ shape: [2, 1] }]);
  gradCheck("flip", (a) => a.flip([1]), [{ shape: [2, 3] }]);
  gradCheck("tril/triu", (a) => a.tril().add(a.triu(1)), [{ shape: [3, 3] }]);
  gradCheck("cumsum", (a) => a.cumsum(1), [{ shape: [2, 4] }]);
});

test("reductions: sum, mean, amax, norm", () => {
  gradCheck("sum all", (a) => a.sum(), [{ shape: [2, 3] }]);
  gradCheck("sum dims keepdim", (a) => a.sum([0, 2], true), [{ shape: [2, 3, 2] }]);
  gradCheck("mean all", (a) => a.mean(), [{ shape: [2, 3] }]);
  gradCheck("mean dim", (a) => a.mean([1]), [{ shape: [2, 3] }]);
  gradCheck("amax", (a) => a.amax([1]), [{ shape: [2, 4], data: [1, 5, 2, -1, 0.5, -3, 4, 2] }]);
  gradCheck("amax keepdim", (a) => a.amax([0], true), [{ shape: [2, 3], data: [1, -5, 2, 0, 3, 1] }]);
  gradCheck("max values", (a) => a.max(1)[0], [{ shape: [2, 3], data: [1, -5, 2, 0, 3, 1] }]);
  gradCheck("norm", (a) => a.norm(), [{ shape: [2, 3] }]);
});

test("gradient checking leaves no live tensors behind", () => {
  const before = liveTensorCount();
  gradCheck("chain", (a, b) => linear(a.tanh(), b).softmax(-1).log(), [{ shape: [2, 3] }, { shape: [4, 3] }]);
  assert.equal(liveTensorCount(), before);
});

test("a non-float64 tensor is refused by the checker (sanity of the harness)", () => {
  assert.throws(() => gradCheck("float32", (a) => a.to("float32"), [{ shape: [2] }]), /float32/);
  const t: Tensor = tensor(Float64Array.from([1, 2]), [2]);
  t.dispose();
});
