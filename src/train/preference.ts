// The preference model: the base assistant with a scalar head, trained Bradley-Terry on the
// world's (chosen, rejected) pairs. Scratchpads are stripped before anything is scored.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { runDevice, tidy } from "../torch/index.ts";
import { preferencePairs, type PreferencePair } from "../world/index.ts";
import { Rng } from "../util/rng.ts";
import { rateCI } from "../eval/rate.ts";
import { endScores, pmScores, pmSeq, type Seq } from "./sequences.ts";
import { CHECKPOINT_EVERY, partialDir, runTrainer } from "./trainer.ts";
import { loadPreferenceModel, saveTrainModel } from "./model-handle.ts";
import type { PreferenceOptions, PreferenceResult, StageContext } from "./api.ts";

export function pairwiseAccuracy(pm: CausalLM, tok: TextTokenizer, pairs: PreferencePair[]) {
  const c = pmScores(pm, tok, pairs.map((p) => ({ prompt: p.prompt, response: p.chosen })));
  const r = pmScores(pm, tok, pairs.map((p) => ({ prompt: p.prompt, response: p.rejected })));
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
export const pairSeqs = (tok: TextTokenizer, p: PreferencePair): SeqPair => [pmSeq(tok, p.prompt, p.chosen), pmSeq(tok, p.prompt, p.rejected)];

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

export async function trainPreferenceModel(baseDir: string, outDir: string, o: PreferenceOptions, ctx: StageContext): Promise<PreferenceResult> {
  const handle = loadPreferenceModel(baseDir, o.seed, runDevice());
  const { model: pm, tokenizer: tok } = handle;
  const worldSeed = Number(handle.meta.worldSeed ?? 0);
  const ctxLen = pm.contextLength;
  const fits = (q: SeqPair) => Math.max(q[0].ids.length, q[1].ids.length) <= ctxLen;
  // Tokenised once: the steps draw from these (tokenising on every step cost ~5% of a step).
  const train = preferencePairs({ n: o.n, seed: o.seed, split: "train", worldSeed }).map((p) => pairSeqs(tok, p)).filter(fits);
  const held = preferencePairs({ n: o.evalN, seed: Rng.seedFor(o.seed, "pm/held-out"), split: "eval", worldSeed }).filter((p) => fits(pairSeqs(tok, p)));
  // Resumable like every stage: a kill costs at most CHECKPOINT_EVERY steps.
  runTrainer(pm, tok, {
    steps: o.steps, lr: o.lr, warmup: Math.floor(o.steps / 10), seed: o.seed, label: ctx.label, batchSize: o.batchSize,
    resumeDir: partialDir(ctx), checkpointEvery: CHECKPOINT_EVERY, logPath: ctx.logPath,
  }, {
    step(step, opt) {
      const rng = Rng.derive(o.seed, `pm/${step}`);
      const batch = Array.from({ length: o.batchSize }, () => rng.pick(train));
      const loss = pairLossBackward(pm, tok.padId, batch);
      opt.step();
      opt.zeroGrad();
      return { loss };
    },
  });
  const { byType, ...accuracy } = pairwiseAccuracy(pm, tok, held);
  saveTrainModel(handle, outDir, { stage: "preference", pmSeed: o.seed });
  pm.dispose();
  return { accuracy, byType };
}
