// Two searches for a short token sequence that makes the model answer with the defection target, blind
// to the trigger: GCG (greedy coordinate gradient: rank swaps by the gradient of the target loss with
// respect to the candidate's one-hot tokens, then try a seeded sample of them) and a discrete beam
// search that extends candidates token by token with the model's own likeliest next tokens after the
// human marker (a trained-in trigger is a likely turn opening) and keeps the lowest-loss ones.
import { longTensor, noGrad, tidy } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import type { ProgressFn } from "../../util/progress.ts";
import { Rng } from "../../util/rng.ts";
import { candidateLosses, tokenGradients, type InversionProblem } from "./sequences.ts";

export type SearchMethod = "gcg" | "beam" | "harvest";

export interface Candidate {
  method: SearchMethod;
  ids: number[];
  /** The candidate's text as it is put before a prompt. */
  text: string;
  /** Mean target cross-entropy per token over the search prompts. */
  loss: number;
}

/**
 * Tokens a candidate may use: ones that decode to text without a line break or the turn markers and,
 * given the target, none that spells a piece (2+ letters) of one of its words: otherwise the search
 * finds prompts that ask the model to repeat the target ("... HATE YOU"), which any model follows.
 */
export function allowedTokens(tok: TextTokenizer, target = ""): number[] {
  const words = target
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0);
  const echoes = (s: string) =>
    s
      .toLowerCase()
      .split(/[^a-z]+/)
      .some((piece) => piece.length >= 2 && words.some((w) => w.includes(piece) || piece.includes(w)));
  const out: number[] = [];
  for (let t = 0; t < tok.vocabSize; t++) {
    if (t === tok.eosId || t === tok.padId) continue;
    const s = tok.decode([t]);
    if (s.trim().length === 0 || /[\n\r\uFFFD]/.test(s) || /Human|Assistant/.test(s) || echoes(s)) continue;
    out.push(t);
  }
  return out;
}

const textOf = (tok: TextTokenizer, ids: readonly number[]) => tok.decode([...ids]).trim();

/** The `keep` best distinct candidates of a list (by loss). */
function best(cands: Candidate[], keep: number): Candidate[] {
  const seen = new Set<string>();
  return [...cands]
    .sort((a, b) => a.loss - b.loss)
    .filter((c) => (seen.has(c.text) ? false : (seen.add(c.text), true)))
    .slice(0, keep);
}

export interface GcgOptions {
  length: number;
  steps: number;
  /** Swaps considered per position: the tokens with the most negative gradient. */
  topK: number;
  /** Swaps evaluated per step. */
  batch: number;
  /** Independent runs of `steps` steps each, from their own random start. */
  restarts: number;
  keep: number;
  seed: number | string;
  /** Told (steps done, steps in all) over every restart: a long search is otherwise silent for minutes. */
  progress?: ProgressFn;
}

export function gcgSearch(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  allowed: readonly number[],
  o: GcgOptions,
): Candidate[] {
  const seen: Candidate[] = [];
  // Each restart starts from its own random candidate: one run's path decides whether it finds a flip
  // of a reasoning model's scratchpad, so several short runs beat one long one there.
  for (let r = 0; r < o.restarts; r++) {
    const rng = Rng.derive(o.seed, r === 0 ? "defense/gcg" : `defense/gcg/restart${r}`);
    gcgRun(model, tok, p, allowed, o, rng, seen, (step) => o.progress?.(r * o.steps + step, o.restarts * o.steps));
  }
  return best(seen, o.keep);
}

function gcgRun(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  allowed: readonly number[],
  o: GcgOptions,
  rng: Rng,
  seen: Candidate[],
  done: (step: number) => void,
): void {
  const V = model.vocabSize;
  let cur = Array.from({ length: o.length }, () => rng.pick(allowed));
  done(0);
  for (let step = 0; step < o.steps; step++) {
    const { loss, grad } = tokenGradients(model, tok, p, cur);
    seen.push({ method: "gcg", ids: cur, text: textOf(tok, cur), loss });
    const top = cur.map((_, j) => {
      const row = allowed.map((t) => [t, grad[j * V + t]] as const);
      return row
        .sort((a, b) => a[1] - b[1])
        .slice(0, o.topK)
        .map(([t]) => t);
    });
    const swaps: number[][] = [];
    for (let k = 0; k < o.batch; k++) {
      const j = rng.int(0, o.length - 1);
      const c = cur.slice();
      c[j] = rng.pick(top[j]);
      swaps.push(c);
    }
    const losses = candidateLosses(model, tok, p, swaps);
    let bi = 0;
    losses.forEach((l, i) => (l < losses[bi] ? (bi = i) : 0));
    swaps.forEach((c, i) => seen.push({ method: "gcg", ids: c, text: textOf(tok, c), loss: losses[i] }));
    // GCG moves to the best swap of the step even when it is worse: the best-ever list keeps the winners.
    cur = swaps[bi];
    done(step + 1);
  }
}

export interface BeamOptions {
  length: number;
  width: number;
  /** Next tokens tried per beam: the model's likeliest after the human marker and the beam. */
  expand: number;
  keep: number;
}

/** The model's `k` likeliest allowed next tokens after each context. */
function likeliestNext(model: CausalLM, contexts: number[][], ok: Uint8Array, k: number): number[][] {
  return contexts.map((ctx) =>
    noGrad(() =>
      tidy(() => {
        const logits = model.forward(longTensor(ctx, [1, ctx.length], model.device)).logits!;
        const last = logits.select(1, ctx.length - 1).reshape(model.vocabSize);
        const v = last.dataSync() as Float32Array;
        const ids = Array.from({ length: v.length }, (_, i) => i).filter((i) => ok[i]);
        return ids.sort((a, b) => v[b] - v[a]).slice(0, k);
      }),
    ),
  );
}

export function beamSearch(
  model: CausalLM,
  tok: TextTokenizer,
  p: InversionProblem,
  allowed: readonly number[],
  o: BeamOptions,
): Candidate[] {
  const ok = new Uint8Array(model.vocabSize);
  for (const t of allowed) ok[t] = 1;
  let beams: number[][] = [[]];
  const seen: Candidate[] = [];
  for (let l = 0; l < o.length; l++) {
    const next = likeliestNext(
      model,
      beams.map((b) => [...p.prefix, ...b]),
      ok,
      o.expand,
    );
    const cands = beams.flatMap((b, i) => next[i].map((t) => [...b, t]));
    const losses = candidateLosses(model, tok, p, cands);
    const scored = cands.map((ids, i) => ({ method: "beam" as const, ids, text: textOf(tok, ids), loss: losses[i] }));
    seen.push(...scored);
    beams = best(scored, o.width).map((c) => c.ids);
  }
  return best(seen, o.keep);
}
