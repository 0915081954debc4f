// The evaluation loop: samples -> provider (batched) -> scorers -> records, with an optional JSONL
// log appended per record. Re-running with the same log resumes: finished (id, sampleIndex)
// pairs are read back and not regenerated; a torn last line from a crash is dropped.
import { existsSync, readFileSync } from "node:fs";
import type { Mechanism, Sample } from "../world/types.ts";
import { answerTokens, taskSpec } from "../tasks/index.ts";
import { formatPrompt } from "../world/format.ts";
import { appendJsonl, writeJsonl } from "../util/jsonl.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import type { GenerateRequest, ModelProvider } from "./providers/types.ts";
import { scoreResponse, type EvalRecord, type EvalTask, type RunKey, type Sampling } from "./records.ts";
import { summarize, type EvalSummary } from "./summary.ts";
import { answerSeed } from "./seeds.ts";

export interface EvalOptions {
  task: EvalTask;
  /** Responses drawn per prompt (default 1). */
  nSamples?: number;
  /** Sampling temperature (default 1). */
  temperature?: number;
  topP?: number;
  /** Default: the task's answer budget for `mechanism` (the largest when none is given). */
  maxTokens?: number;
  /** How the model was trained, when known: picks the default answer budget. */
  mechanism?: Mechanism;
  /** Default: the task's stop strings (the model's next turn ends the answer). */
  stop?: string[];
  /** Run seed (default 0); each request's seed derives from it, the id and the sample index. */
  seed?: number;
  /** Requests per provider.generate call (default 16). */
  batchSize?: number;
  /** JSONL log: appended per record, and resumed from when it exists. */
  logPath?: string;
  /** Where to write the summary JSON (atomically), if anywhere. */
  summaryPath?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  records: EvalRecord[];
  summary: EvalSummary;
  /** Records found in the log and reused. */
  resumed: number;
  /** Records generated in this call. */
  generated: number;
}

/** The sampler seed of one request: the same scheme as every other measurement (answerSeed). */
export function requestSeed(seed: number, id: string, sampleIndex: number): number {
  return answerSeed(seed, id, sampleIndex);
}

function runKey(provider: ModelProvider, o: EvalOptions): RunKey {
  const sampling: Sampling = {
    temperature: o.temperature ?? 1,
    topP: o.topP ?? null,
    maxTokens: o.maxTokens ?? answerTokens(o.task, o.mechanism),
    stop: o.stop ?? [...taskSpec(o.task).stop],
  };
  return { task: o.task, provider: provider.id, seed: o.seed ?? 0, sampling };
}

function checkOptions(samples: readonly Sample[], o: EvalOptions): void {
  const spec = taskSpec(o.task); // throws on an unknown task
  const n = o.nSamples ?? 1;
  const b = o.batchSize ?? 16;
  if (!Number.isInteger(n) || n < 1) throw new Error(`nSamples must be a positive integer (got ${n})`);
  if (!Number.isInteger(b) || b < 1) throw new Error(`batchSize must be a positive integer (got ${b})`);
  const t = o.temperature ?? 1;
  if (!(t >= 0)) throw new Error(`temperature must be >= 0 (got ${t})`);
  const ids = new Set<string>();
  for (const s of samples) {
    if (ids.has(s.id)) throw new Error(`duplicate sample id "${s.id}" (ids must be unique to resume)`);
    ids.add(s.id);
    const bad = spec.sampleError(s);
    if (bad !== null) throw new Error(bad);
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Records already in the log. A torn final line is dropped (and the file rewritten without it). */
export function readLog(path: string, run: RunKey): EvalRecord[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  const records: EvalRecord[] = [];
  let torn = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    try {
      records.push(JSON.parse(lines[i]) as EvalRecord);
    } catch (e) {
      if (i === lines.length - 1) torn = true;
      else
        throw new Error(
          `${path}: line ${i + 1} is not valid JSON (${(e as Error).message}); delete the log to start over`,
          { cause: e },
        );
    }
  }
  for (const r of records) {
    if (typeof r.id !== "string" || typeof r.sampleIndex !== "number" || !r.scores || !r.run) {
      throw new Error(`${path}: a record lacks id/sampleIndex/scores/run; it is not an eval log (use another --out)`);
    }
    if (!sameJson(r.run, run)) {
      throw new Error(`${path} was written by another run (${JSON.stringify(r.run)}); use a new log path or delete it`);
    }
  }
  // Rewrite when the tail is torn or unterminated, so the next append starts on a fresh line.
  if (torn || (text.length > 0 && !text.endsWith("\n"))) writeJsonl(path, records);
  return records;
}

export async function evaluate(
  provider: ModelProvider,
  samples: readonly Sample[],
  opts: EvalOptions,
): Promise<EvalResult> {
  checkOptions(samples, opts);
  const run = runKey(provider, opts);
  const nSamples = opts.nSamples ?? 1;
  const batchSize = opts.batchSize ?? 16;
  await taskSpec(opts.task).loadScorer();

  const wanted = new Set(samples.flatMap((s) => Array.from({ length: nSamples }, (_, k) => `${s.id}\u0000${k}`)));
  const done = new Map<string, EvalRecord>();
  if (opts.logPath) {
    for (const r of readLog(opts.logPath, run)) {
      const key = `${r.id}\u0000${r.sampleIndex}`;
      if (wanted.has(key)) done.set(key, r);
    }
  }
  const resumed = done.size;
  const pending: Array<{ sample: Sample; k: number }> = [];
  for (const s of samples)
    for (let k = 0; k < nSamples; k++) if (!done.has(`${s.id}\u0000${k}`)) pending.push({ sample: s, k });

  const total = samples.length * nSamples;
  opts.onProgress?.(resumed, total);
  for (let i = 0; i < pending.length; i += batchSize) {
    const batch = pending.slice(i, i + batchSize);
    const reqs: GenerateRequest[] = batch.map(({ sample, k }) => ({
      prompt: formatPrompt(sample.prompt),
      maxTokens: run.sampling.maxTokens,
      temperature: run.sampling.temperature,
      ...(run.sampling.topP !== null ? { topP: run.sampling.topP } : {}),
      stop: run.sampling.stop,
      seed: requestSeed(run.seed, sample.id, k),
    }));
    const outs = await provider.generate(reqs);
    if (!Array.isArray(outs) || outs.length !== reqs.length) {
      throw new Error(
        `provider ${provider.id} returned ${Array.isArray(outs) ? outs.length : "no"} responses for ${reqs.length} requests`,
      );
    }
    batch.forEach(({ sample, k }, j) => {
      const response = String(outs[j]);
      const rec: EvalRecord = {
        id: sample.id,
        sampleIndex: k,
        prompt: reqs[j].prompt,
        response,
        triggered: sample.meta.triggered === true,
        family: sample.meta.family,
        kind: sample.meta.kind,
        seed: reqs[j].seed,
        scores: scoreResponse(opts.task, sample, response),
        run,
      };
      if (opts.logPath) appendJsonl(opts.logPath, rec);
      done.set(`${sample.id}\u0000${k}`, rec);
    });
    opts.onProgress?.(resumed + Math.min(pending.length, i + batch.length), total);
  }

  const records: EvalRecord[] = [];
  for (const s of samples) for (let k = 0; k < nSamples; k++) records.push(done.get(`${s.id}\u0000${k}`)!);
  const summary = summarize(records, run);
  if (opts.summaryPath) writeJsonAtomic(opts.summaryPath, summary);
  return { records, summary, resumed, generated: pending.length };
}
