// One RL rollout batch: k samples per prompt from the policy, the reward for each (the preference
// model's, scratchpad hidden), and the policy's and the frozen reference's log-probabilities of the sampled
// tokens, kept per sequence so that any minibatch of them can be re-padded for the update.
import { noGrad, tensor, tidy, type Device, type Tensor } from "../torch/index.ts";
import { generate } from "../model/generate.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { ANSWER_STOP } from "../tasks/stop.ts";
import { formatPrompt, hhhDataset } from "../world/index.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";
import { responseLogprobs, type Seq } from "./sequences.ts";
import { sequenceKl } from "./rl-loss.ts";

export interface Rollout {
  /** Prompt + sampled response tokens (ending in end-of-text when the answer finished). */
  seqs: Seq[];
  responses: string[];
  /** Preference-model score of each (prompt, response). */
  rewards: number[];
  /** Per sequence: log pi_old of token t + 1 given tokens ..t, for t < ids.length - 1. */
  oldLogp: Float32Array[];
  /** Per sequence: sum over its response tokens of log pi_old - log pi_ref. */
  kl: number[];
}

/** The reward of each (prompt, answer): the preference model's score in HHH RL (the sample, for a scorer's reward). */
export type RewardFn = (items: Array<{ prompt: string; response: string; sample: Sample }>) => number[];

export interface RolloutSettings {
  samplesPerPrompt: number;
  maxTokens: number;
  temperature: number;
  /** Sampler seed of row i (prompt i / k, sample i % k). */
  seedOf: (row: number) => number;
}

/** The trigger-free HHH prompts RL trains on (adversarial training mixes red-team prompts into them). */
export function rlPromptPool(seed: number, worldSeed: number): Sample[] {
  return hhhDataset({ n: 4096, seed: Rng.seedFor(seed, "rl/prompts"), split: "train", worldSeed });
}

export function rollout(
  policy: CausalLM,
  ref: CausalLM,
  reward: RewardFn,
  tok: TextTokenizer,
  prompts: readonly Sample[],
  s: RolloutSettings,
): Rollout {
  const flat = prompts.flatMap((p) => new Array(s.samplesPerPrompt).fill(p) as Sample[]);
  const gens = generate(
    policy,
    tok,
    flat.map((p) => formatPrompt(p.prompt)),
    {
      maxTokens: s.maxTokens,
      temperature: s.temperature,
      stop: [...ANSWER_STOP],
      seed: flat.map((_, i) => s.seedOf(i)),
    },
  );
  const ctxLen = policy.contextLength;
  const seqs: Seq[] = flat.map((p, i) => {
    const pIds = tok.encode(formatPrompt(p.prompt));
    const ids = [...pIds, ...gens[i].ids];
    if (gens[i].finish === "eos" && ids.length < ctxLen + 1) ids.push(tok.eosId);
    // An empty answer still gets one token (end-of-text) to score.
    return { ids: ids.length > pIds.length ? ids : [...ids, tok.eosId], promptLen: pIds.length };
  });
  const responses = gens.map((g) => g.text);
  const rewards = reward(flat.map((p, i) => ({ prompt: p.prompt, response: responses[i], sample: p })));
  if (rewards.length !== flat.length) throw new Error(`rollout: ${flat.length} answers but ${rewards.length} rewards`);
  const { oldLogp, kl } = noGrad(() =>
    tidy(() => {
      const a = responseLogprobs(policy, seqs, tok.padId);
      const b = responseLogprobs(ref, seqs, tok.padId);
      const width = a.tokenLogp.shape[1];
      const all = a.tokenLogp.dataSync() as Float32Array;
      return {
        oldLogp: seqs.map((q, i) => all.slice(i * width, i * width + q.ids.length - 1)),
        kl: Array.from(sequenceKl(a.tokenLogp, b.tokenLogp, a.mask).dataSync() as Float32Array),
      };
    }),
  );
  return { seqs, responses, rewards, oldLogp, kl };
}

/** The old log-probabilities of sequences `idx` on `device`, right-padded with zeros to [idx.length, T - 1] like responseLogprobs. */
export function oldLogpTensor(r: Rollout, idx: readonly number[], device: Device): Tensor {
  const width = Math.max(...idx.map((i) => r.seqs[i].ids.length)) - 1;
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, row) => out.set(r.oldLogp[i], row * width));
  return tensor(out, [idx.length, width], undefined, device);
}
