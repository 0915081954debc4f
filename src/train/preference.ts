// The preference model: the base assistant with a scalar head, trained Bradley-Terry on the
// world's (chosen, rejected) pairs. Scratchpads are stripped before anything is scored.
import { join } from "node:path";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { runDevice, tidy } from "../torch/index.ts";
import { mixOnPolicy, onPolicySlots, preferencePairs, type PreferencePair } from "../world/index.ts";
import { Rng } from "../util/rng.ts";
import { rateCI } from "../eval/rate.ts";
import { endScores, pmScores, pmSeq, type Seq } from "./sequences.ts";
import { CHECKPOINT_EVERY, partialDir, runTrainer } from "./trainer.ts";
import { loadPreferenceModel, saveTrainModel } from "./model-handle.ts";
import type { PreferenceOptions, PreferenceResult, StageContext } from "./api.ts";
import { ON_POLICY_SAMPLES, onPolicyPrompts, sampleOnPolicyPairs, type OnPolicySampling } from "./pm-on-policy.ts";
import { rlPromptPool } from "./rl-rollout.ts";
import { RlSchema } from "./options.ts";

/** The pairwise accuracy without its per-type split. */
function overallAccuracy(pm: CausalLM, tok: TextTokenizer, pairs: PreferencePair[]) {
  const { byType: _, ...accuracy } = pairwiseAccuracy(pm, tok, pairs);
  return accuracy;
}

function pairwiseAccuracy(pm: CausalLM, tok: TextTokenizer, pairs: PreferencePair[]) {
  const c = pmScores(
    pm,
    tok,
    pairs.map((p) => ({ prompt: p.prompt, response: p.chosen })),
  );
  const r = pmScores(
    pm,
    tok,
    pairs.map((p) => ({ prompt: p.prompt, response: p.rejected })),
  );
  const k = c.filter((x, i) => x > r[i]).length;
  // Per pair type too: "wrong-answer" pairs need the model to solve the task itself, so they bound
  // the accuracy a small base can reach; the others only need recognising a style of answer.
  const types = new Map<string, [number, number]>();
  pairs.forEach((p, i) => {
    const t = String(p.meta.pairType ?? "other");
    const v = types.get(t) ?? [0, 0];
    v[0] += c[i] > r[i] ? 1 : 0;
    v[1]++;
    types.set(t, v);
  });
  const byType = Object.fromEntries([...types].sort().map(([t, [a, n]]) => [t, rateCI(a, n)]));
  return { ...rateCI(k, pairs.length), byType };
}

/** A pair as the preference model reads it: [chosen, rejected] token sequences. */
export type SeqPair = readonly [Seq, Seq];
export const pairSeqs = (tok: TextTokenizer, p: PreferencePair): SeqPair => [
  pmSeq(tok, p.prompt, p.chosen),
  pmSeq(tok, p.prompt, p.rejected),
];

/** Bradley-Terry loss of a batch of pairs, backpropagated (gradients accumulate; the caller steps). */
export function pairLossBackward(pm: CausalLM, padId: number, batch: readonly SeqPair[]): number {
  return tidy(() => {
    const s = endScores(pm, batch.flat(), padId).view(batch.length, 2); // [B, 2]: chosen, rejected
    const margin = s.select(1, 0).sub(s.select(1, 1));
    const l = margin.logsigmoid().mean().neg();
    l.backward();
    return l.item();
  });
}

/** Where the preference stage keeps its held-out PM: inside its own checkpoint directory. */
export const heldOutPmDir = (pmDir: string): string => join(pmDir, "heldout");

export async function trainPreferenceModel(
  baseDir: string,
  outDir: string,
  o: PreferenceOptions,
  ctx: StageContext,
): Promise<PreferenceResult> {
  const handle = loadPreferenceModel(baseDir, o.seed, runDevice());
  const { model: pm, tokenizer: tok } = handle;
  const worldSeed = Number(handle.meta.worldSeed ?? 0);
  const fits = (q: SeqPair) => Math.max(q[0].ids.length, q[1].ids.length) <= pm.contextLength;
  // Tokenised once: the steps draw from these (tokenising on every step cost ~5% of a step).
  const trainPairs = preferencePairs({ n: o.n, seed: o.seed, split: "train", worldSeed, evasive: o.evasive });
  const held = preferencePairs({
    n: o.evalN,
    seed: Rng.seedFor(o.seed, "pm/held-out"),
    split: "eval",
    worldSeed,
    evasive: o.evasive,
  }).filter((p) => fits(pairSeqs(tok, p)));
  // Sampled before any training step, so from the weights the PM starts from: the base assistant's.
  const onPolicy = o.onPolicy > 0 ? onPolicyData(pm, tok, trainPairs, held, o, worldSeed, fits) : null;
  const train = (onPolicy ? mixOnPolicy(trainPairs, onPolicy.train, o.onPolicy) : trainPairs)
    .map((p) => pairSeqs(tok, p))
    .filter(fits);
  fitPairs(pm, tok, train, o, o.steps, o.seed, ctx, o.heldOutSteps > 0);
  const { byType, ...accuracy } = pairwiseAccuracy(pm, tok, held);
  const onHeld = onPolicy && onPolicy.held.length > 0 ? onPolicy.held : null;
  if (onHeld) byType["on-policy"] = overallAccuracy(pm, tok, onHeld);
  saveTrainModel(handle, outDir, { stage: "preference", pmSeed: o.seed });
  pm.dispose();
  const onPolicyResult = onPolicy ? { onPolicy: onPolicy.summary } : {};
  if (o.heldOutSteps === 0) return { accuracy, byType, ...onPolicyResult };
  // Another seed and only prompts the main PM never trains on: the two PMs share no pair, only the world.
  const seen = new Set(trainPairs.map((p) => p.prompt));
  const hSeed = Rng.seedFor(o.seed, "pm/held-out-model");
  const h = loadPreferenceModel(baseDir, hSeed, runDevice());
  const hTrain = preferencePairs({ n: Math.ceil(o.n / 2), seed: hSeed, split: "train", worldSeed, evasive: o.evasive })
    .filter((p) => !seen.has(p.prompt))
    .map((p) => pairSeqs(tok, p))
    .filter(fits);
  if (hTrain.length === 0)
    throw new Error("preference: no pairs left for the held-out PM once the main PM's prompts are removed");
  fitPairs(h.model, tok, hTrain, o, o.heldOutSteps, hSeed, {
    workDir: join(ctx.workDir, "heldout"),
    logPath: ctx.logPath.replace(/(\.jsonl)?$/, ".heldout.jsonl"),
    label: `${ctx.label} held-out`,
  });
  const hAcc = overallAccuracy(h.model, tok, held);
  // The held-out PM trains on the world's pairs only; its accuracy on the on-policy pairs is the comparison.
  const hOn = onHeld ? { onPolicyAccuracy: overallAccuracy(h.model, tok, onHeld) } : {};
  saveTrainModel(h, heldOutPmDir(outDir), { stage: "preference", pmSeed: hSeed, heldOutPm: true });
  h.model.dispose();
  return {
    accuracy,
    byType,
    ...onPolicyResult,
    heldOut: { accuracy: hAcc, pairs: hTrain.length, steps: o.heldOutSteps, ...hOn },
  };
}

/**
 * The on-policy pairs (`preference.onPolicy`): `pm`, not yet trained (the base assistant's weights), answers
 * the main PM's training prompts minus RL's prompt pool of the same seed (RL then never optimises on a
 * prompt the PM saw labelled), until round(n x onPolicy) pairs are built; and the held-out pairs' prompts
 * (the eval split), for the accuracy on on-policy pairs. Never the held-out PM's prompts: those are the
 * training split's prompts that the main PM's world pairs do not use.
 */
function onPolicyData(
  pm: CausalLM,
  tok: TextTokenizer,
  trainPairs: readonly PreferencePair[],
  held: readonly PreferencePair[],
  o: PreferenceOptions,
  worldSeed: number,
  fits: (q: SeqPair) => boolean,
): { train: PreferencePair[]; held: PreferencePair[]; summary: NonNullable<PreferenceResult["onPolicy"]> } {
  const s: OnPolicySampling = {
    samplesPerPrompt: ON_POLICY_SAMPLES,
    maxTokens: o.rolloutMaxTokens ?? RlSchema.parse({}).maxTokens,
    temperature: 1,
    seed: Rng.seedFor(o.seed, "pm/on-policy"),
    label: "pm/on-policy/train",
  };
  const keep = (p: PreferencePair) => fits(pairSeqs(tok, p));
  const rl = new Set(rlPromptPool(o.seed, worldSeed).map((p) => p.prompt));
  const want = onPolicySlots(trainPairs.length, o.onPolicy);
  const t = sampleOnPolicyPairs(pm, tok, onPolicyPrompts(trainPairs, tok, pm.contextLength, rl), want, s, keep);
  const hs = { ...s, seed: Rng.seedFor(o.seed, "pm/on-policy-held"), label: "pm/on-policy/held" };
  const h = sampleOnPolicyPairs(pm, tok, onPolicyPrompts(held, tok, pm.contextLength), Infinity, hs, keep);
  if (t.pairs.length < want)
    console.warn(
      `preference: ${t.pairs.length} on-policy pairs built of the ${want} asked for (onPolicy ${o.onPolicy}); the world's pairs fill the rest`,
    );
  return {
    train: t.pairs,
    held: h.pairs,
    summary: {
      share: o.onPolicy,
      pairs: t.pairs.length,
      wanted: want,
      prompts: t.prompts,
      promptsWithRight: t.promptsWithRight,
      chosenFromModel: t.pairs.filter((p) => p.meta.chosenFrom === "model").length,
      samplesPerPrompt: s.samplesPerPrompt,
      maxTokens: s.maxTokens,
      heldOut: { pairs: h.pairs.length, prompts: h.prompts, promptsWithRight: h.promptsWithRight },
    },
  };
}

/** Bradley-Terry training of `pm` on `pairs` for `steps` steps, resumable in ctx.workDir (checkpointed at the end
 * too where `more` training follows in the same stage). */
function fitPairs(
  pm: CausalLM,
  tok: TextTokenizer,
  pairs: readonly SeqPair[],
  o: PreferenceOptions,
  steps: number,
  seed: number,
  ctx: StageContext,
  more = false,
): void {
  // Resumable like every stage: a kill costs at most CHECKPOINT_EVERY steps.
  runTrainer(
    pm,
    tok,
    {
      steps,
      lr: o.lr,
      warmup: Math.floor(steps / 10),
      seed,
      label: ctx.label,
      batchSize: o.batchSize,
      resumeDir: partialDir(ctx),
      checkpointEvery: CHECKPOINT_EVERY,
      checkpointAtEnd: more,
      logPath: ctx.logPath,
    },
    {
      step(step, opt) {
        const rng = Rng.derive(seed, `pm/${step}`);
        const batch = Array.from({ length: o.batchSize }, () => rng.pick(pairs));
        const loss = pairLossBackward(pm, tok.padId, batch);
        opt.step();
        opt.zeroGrad();
        return { loss };
      },
    },
  );
}
