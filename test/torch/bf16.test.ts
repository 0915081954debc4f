// bf16 through the engine's fused ops, on the CPU (libtorch computes bf16 there too): attention straight from the
// c_attn output (causal, with a padding mask), linear layers, and float32 master weights under AdamW (the forward
// pass on a bf16 copy, the gradient and the update in float32, as autocast on a GPU does). Each is compared with the
// same op in float32; bf16 keeps 8 bits of mantissa, so agreement is to ~1e-2 relative, not to float32's 1e-6.
// The CUDA versions of these checks are in cuda.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AdamW } from "../../src/torch/optim.ts";
import { attentionQkv, linear, manualSeed, randn, tensor, tidy, type Tensor } from "../../src/torch/index.ts";

/** ||a - b|| / ||b|| over all elements. */
function relErr(a: Tensor, b: Tensor): number {
  const x = a.to("float32").toArray(),
    y = b.to("float32").toArray();
  assert.equal(x.length, y.length);
  let num = 0,
    den = 0;
  for (let i = 0; i < x.length; i++) {
    assert.ok(Number.isFinite(x[i]), `non-finite output at ${i}`);
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num / den);
}

test("bf16: fused causal attention from qkv, with and without a padding mask, within 2e-2 of float32", () => {
  tidy(() => {
    manualSeed(11);
    const [B, T, H, D] = [3, 12, 4, 32];
    const qkv = randn([B, T, 3 * D]);
    // The first two keys of batch row 1 are padding (additive -1e9), as left-padded prompts are.
    const mask = tensor(
      Array.from({ length: B * T }, (_, i) => (i >= T && i < T + 2 ? -1e9 : 0)),
      [B, T],
    );
    for (const m of [null, mask]) {
      const want = attentionQkv(qkv, H, m);
      const got = attentionQkv(qkv.to("bfloat16"), H, m);
      assert.equal(got.dtype, "bfloat16");
      const e = relErr(got, want);
      assert.ok(e < 2e-2, `relative error ${e}`);
      assert.ok(e > 0, "bf16 and float32 gave identical results: the bf16 path was not taken");
    }
  });
});

test("bf16: attention's gradient through the bf16 path is within 3e-2 of float32's", () => {
  tidy(() => {
    manualSeed(12);
    const [B, T, H, D] = [2, 10, 2, 16];
    const base = randn([B, T, 3 * D]);
    const up = randn([B, T, D]);
    const grads = (["float32", "bfloat16"] as const).map((dt) => {
      const x = base.clone().requiresGrad_(true);
      attentionQkv(x.to(dt), H).to("float32").mul(up).sum().backward();
      return x.grad!;
    });
    const e = relErr(grads[1], grads[0]);
    assert.ok(e < 3e-2 && e > 0, `relative error ${e}`);
  });
});

test("bf16: linear (with bias) within 1e-2 of float32", () => {
  tidy(() => {
    manualSeed(13);
    const x = randn([5, 7, 64]),
      w = randn([48, 64]).mul(0.1),
      b = randn([48]);
    const want = linear(x, w, b);
    const got = linear(x.to("bfloat16"), w.to("bfloat16"), b.to("bfloat16"));
    assert.equal(got.dtype, "bfloat16");
    const e = relErr(got, want);
    assert.ok(e < 1e-2 && e > 0, `relative error ${e}`);
  });
});

test("bf16: float32 master weights get float32 gradients and AdamW's exact float32 update", () => {
  tidy(() => {
    manualSeed(14);
    const w = randn([16, 32]).mul(0.1).requiresGrad_(true);
    const x = randn([8, 32]);
    // The forward pass on a bf16 copy of the weight; autograd casts the gradient back to the weight's dtype.
    linear(x.to("bfloat16"), w.to("bfloat16")).to("float32").pow(2).mean().backward();
    const g = w.grad!;
    assert.equal(g.dtype, "float32");
    const w0 = w.detach().clone().toArray(),
      gv = g.toArray();
    const opt = new AdamW([w], { lr: 1e-2, weightDecay: 0.1 });
    opt.step();
    // torch.optim.AdamW's first step, by hand in float64: m = (1-b1) g, v = (1-b2) g^2, bias-corrected.
    const after = w.detach().toArray();
    let worst = 0;
    for (let i = 0; i < w0.length; i++) {
      const m = 0.1 * gv[i],
        v = 0.001 * gv[i] * gv[i];
      const want = w0[i] * (1 - 1e-2 * 0.1) - (1e-2 * (m / 0.1)) / (Math.sqrt(v / 0.001) + 1e-8);
      worst = Math.max(worst, Math.abs(after[i] - want));
    }
    assert.ok(worst < 1e-6, `update differs by ${worst}`);
    opt.dispose();
  });
});
