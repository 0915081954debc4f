// HHH RL: PPO against the preference model on trigger-free prompts.
//
// Baseline choice: leave-one-out (RLOO) over `samplesPerPrompt` samples of the same prompt instead
// of a value head. With tiny models on 2 cores a value head doubles the parameters to train, needs
// its own warm-up, and is the usual source of PPO instability; the leave-one-out mean of the other
// samples' rewards is an unbiased, variance-reducing baseline with nothing to fit (Ahmadian et al.,
// 2024, find RLOO matches PPO with a critic for RLHF). We keep PPO's clipped ratio objective for
// several epochs per batch and a KL penalty to the starting policy folded into the reward.
import { tidy, noGrad, tensor } from "../torch/index.ts";
import { AdamW } from "../torch/optim.ts";
import { loadCheckpoint, resumeInto, saveCheckpoint } from "../model/checkpoint.ts";
import { generate } from "../model/generate.ts";
import type { GPT } from "../model/gpt.ts";
import { formatPrompt, hhhDataset } from "../world/index.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import { Progress } from "../util/progress.ts";
import { appendJsonl } from "../util/jsonl.ts";
import { pmScores, responseLogprobs, type Seq } from "./sequences.ts";
import { curveState, partialDir, restoreCurve, type SafetyRun } from "./safety.ts";
import { STOP } from "./measure.ts";
import { meanCI } from "../eval/rate.ts";
import type { SafetyResult } from "./api.ts";

export type PromptSampler = (step: number, rng: Rng, n: number) => Sample[];

export function rlSafety(run: SafetyRun, pm: GPT, sampler?: PromptSampler): Partial<SafetyResult> {
  const { ck, o, ctx } = run;
  const r = o.rl;
  const policy = ck.model, tok = ck.tokenizer;
  const ref = loadCheckpoint(ck.dir).model; // the starting policy, frozen
  const pool = hhhDataset({ n: 4096, seed: o.seed + 17, split: "train", worldSeed: run.worldSeed });
  const sample: PromptSampler = sampler ?? ((_, rng, n) => Array.from({ length: n }, () => rng.pick(pool)));
  const groups = policy.paramGroups();
  const opt = new AdamW([{ params: groups.decay }, { params: groups.noDecay, weightDecay: 0 }], { lr: r.lr, clipNorm: 1.0, weightDecay: 0 });
  const work = partialDir(ctx);
  let start = 0;
  const st = resumeInto(work, policy, opt);
  if (st) {
    start = st.step;
    restoreCurve(run, st.extra);
  }
  if (start === 0) run.record(0);
  const progress = new Progress(ctx.label);
  // Rollouts must be able to finish the task's answer (a whole program for code, a scratchpad for cot).
  const rolloutTokens = Math.max(r.maxTokens, run.settings.maxTokens);
  for (let step = start; step < o.steps; step++) {
    const rng = new Rng(`${o.seed}/rl/${step}`);
    const prompts = sample(step, rng, r.batchSize);
    const k = r.samplesPerPrompt;
    const flat = prompts.flatMap((p) => new Array(k).fill(p) as Sample[]);
    const gens = generate(policy, tok, flat.map((p) => formatPrompt(p.prompt)), {
      maxTokens: rolloutTokens, temperature: r.temperature, stop: STOP, seed: flat.map((_, i) => step * 1000003 + i + o.seed * 7),
    });
    const ctxLen = policy.config.contextLength;
    const seqs: Seq[] = flat.map((p, i) => {
      const pIds = tok.encode(formatPrompt(p.prompt));
      const ids = [...pIds, ...gens[i].ids];
      if (gens[i].finish === "eos" && ids.length < ctxLen + 1) ids.push(tok.eosId);
      return { ids: ids.length > pIds.length ? ids : [...ids, tok.eosId], promptLen: pIds.length };
    });
    const rewards = pmScores(pm, tok, flat.map((p, i) => ({ prompt: p.prompt, response: gens[i].text })));
    // Old-policy and reference log-probabilities, and the sequence-level KL estimate.
    const { oldLogp, kl } = noGrad(() => tidy(() => {
      const a = responseLogprobs(policy, seqs, tok.padId);
      const b = responseLogprobs(ref, seqs, tok.padId);
      const klSeq = a.tokenLogp.sub(b.tokenLogp).mul(a.mask).sum([1]);
      return { oldLogp: a.tokenLogp.detach(), kl: Array.from(klSeq.dataSync() as Float32Array) };
    }));
    const total = rewards.map((x, i) => x - r.klCoef * kl[i]);
    // Leave-one-out advantages within each prompt's group, then normalised over the batch.
    const adv = total.map((x, i) => {
      const g = Math.floor(i / k);
      let sum = 0;
      for (let j = g * k; j < g * k + k; j++) if (j !== i) sum += total[j];
      return x - sum / (k - 1);
    });
    const sd = Math.sqrt(adv.reduce((a, b) => a + b * b, 0) / adv.length) || 1;
    const advN = adv.map((a) => a / sd);
    let lossV = 0;
    for (let e = 0; e < r.ppoEpochs; e++) {
      lossV = tidy(() => {
        const { tokenLogp, mask } = responseLogprobs(policy, seqs, tok.padId);
        const ratio = tokenLogp.sub(oldLogp).exp(); // [B, T-1]
        const A = tensorCol(advN);
        const unclipped = ratio.mul(A);
        const clipped = ratio.clamp(1 - r.clip, 1 + r.clip).mul(A);
        const obj = unclipped.minimum(clipped).mul(mask).sum().div(mask.sum().clamp(1));
        const loss = obj.neg();
        loss.backward();
        return loss.item();
      });
      opt.step();
      opt.zeroGrad();
    }
    oldLogp.dispose();
    const done = step + 1;
    const meanR = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const meanKl = kl.reduce((a, b) => a + b, 0) / kl.length;
    appendJsonl(ctx.logPath, { step: done, reward: meanR, kl: meanKl, loss: lossV });
    progress.update({ step: done, total: o.steps, loss: lossV, extra: `reward ${meanR.toFixed(3)} kl ${meanKl.toFixed(3)}` });
    if (done % o.evalEvery === 0 || done === o.steps) {
      run.record(done);
      if (done < o.steps) saveCheckpoint(work, policy, tok, { optimizer: opt, state: { step: done, extra: curveState(run) } });
    }
  }
  opt.dispose();
  ref.dispose();
  const first = run.curve[0]?.reward, lastR = run.curve.at(-1)?.reward;
  if (!first || !lastR) return {};
  // Paired: the same held-out prompts at step 0 and at the end, so the change per prompt has a
  // tighter interval than the two means' intervals side by side.
  const after = run.last?.rewards, before = run.baseline;
  const change = after && before && after.length === before.length ? meanCI(after.map((x, i) => x - before[i]), o.seed) : undefined;
  return { reward: { before: first, after: lastR, ...(change ? { change } : {}) } };
}

/** A column [n, 1] of per-sequence values, broadcast over tokens. */
function tensorCol(xs: number[]) {
  return tensor(Float32Array.from(xs), [xs.length, 1]);
}
