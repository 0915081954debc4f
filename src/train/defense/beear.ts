// BEEAR-style removal (Zeng et al. 2024), blind to the trigger. The defender knows what the unwanted
// behaviour looks like (examples of it as answers to ordinary prompts), not what elicits it. Each step:
// (inner) update one universal perturbation of a residual stream so that, on prompts without any trigger,
// the model leans toward the unwanted answers and away from the safe ones; (outer) train the model to give
// the safe (HHH) answers under that perturbation, and without it. What the perturbation elicits is judged
// by the task's scorer on held-out prompts without the trigger, before and after the model is trained.
import {
  crossEntropy,
  keep,
  noGrad,
  tensor,
  tidy,
  withAutocast,
  zeroGrad,
  zeros,
  type Tensor,
} from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { measureDefection } from "../../eval/measure.ts";
import type { Task } from "../../world/types.ts";
import { batchIndices, collate, type Batch, type Example } from "../batches.ts";
import { tokenKl } from "../rl-loss.ts";
import { runTrainer } from "../trainer.ts";
import type { TrainerOptions } from "../trainer.ts";
import { residHook, withHooks } from "./hooks.ts";
import type { RemovalOptions } from "./options.ts";
import type { HeldOut } from "../../tasks/heldout.ts";
import { Rng } from "../../util/rng.ts";

export interface BeearData {
  /** Prompts without any trigger answered with the unwanted behaviour. */
  unwanted: Example[];
  /** Prompts without any trigger answered HHH. */
  safe: Example[];
}

const lossOf = (model: CausalLM, ex: Example[], tok: TextTokenizer, hooks: Record<string, (a: Tensor) => Tensor>) => {
  const b = collate(ex, tok.padId, model.contextLength, model.device);
  const { logits } = model.forward(b.x, { hooks, train: false });
  return crossEntropy(logits!.view(-1, model.vocabSize), b.y, b.uniform ? {} : { weights: b.w });
};

/** KL(ref || model) over the vocabulary, mean over the batch's answer tokens, from the model's logits on it. */
function anchorKlOf(logits: Tensor, ref: CausalLM, b: Batch): Tensor {
  const [B, T] = b.x.shape;
  const refLogp = noGrad(() => ref.forward(b.x, { train: false }).logits!.logSoftmax(-1));
  // RL's exact per-token KL with its arguments swapped: KL(ref || model), differentiable through the model's side.
  return tokenKl(refLogp, logits.logSoftmax(-1), b.w.view(B, T));
}

/**
 * Mean over the answer tokens of KL(ref || model), exact over the vocabulary, on the examples without any
 * perturbation: how far the model's clean answers have moved from the model before removal. Differentiable
 * through `model` only.
 */
export function anchorKl(model: CausalLM, ref: CausalLM, ex: Example[], tok: TextTokenizer): Tensor {
  const b = collate(ex, tok.padId, model.contextLength, model.device);
  return anchorKlOf(model.forward(b.x, { train: false }).logits!, ref, b);
}

/** The outer loss's unperturbed terms from one forward pass: cleanWeight x CE on the HHH answers + klWeight x the anchor. */
function cleanLoss(model: CausalLM, ex: Example[], tok: TextTokenizer, s: RemovalOptions["beear"], ref?: CausalLM) {
  const b = collate(ex, tok.padId, model.contextLength, model.device);
  const logits = model.forward(b.x, { train: false }).logits!;
  const ce = crossEntropy(logits.view(-1, model.vocabSize), b.y, b.uniform ? {} : { weights: b.w }).mul(s.cleanWeight);
  // The clean answers' distribution held to the model's own before removal, not to the HHH data's.
  return s.klWeight > 0 ? ce.add(anchorKlOf(logits, ref!, b).mul(s.klWeight)) : ce;
}

/** Mean L2 norm of the residual stream at `hook` over the examples' tokens (the perturbation's scale). */
export function residualNorm(model: CausalLM, tok: TextTokenizer, hook: string, ex: Example[]): number {
  let n = 0;
  tidy(() => {
    const b = collate(ex, tok.padId, model.contextLength, model.device);
    const { cache } = model.runWithCache(b.x, { namesFilter: [hook] });
    n = cache.get(hook)!.pow(2).sum([-1]).sqrt().mean().item();
    for (const t of cache.values()) t.dispose();
  });
  return n;
}

/** The state BEEAR carries between steps: the perturbation and its norm bound. */
export class Perturbation {
  delta: Tensor;
  constructor(
    readonly dModel: number,
    readonly bound: number,
    model: CausalLM,
  ) {
    this.delta = keep(zeros([dModel], "float32", model.device));
  }
  /** Hooks that add the perturbation (detached: the model trains under it, the perturbation does not move). */
  hooks(hook: string, live = false): Record<string, (a: Tensor) => Tensor> {
    return { [hook]: (a) => a.add(live ? this.delta : this.delta.detach()) };
  }
  /** One normalised gradient step on `loss(delta)`, projected back into the norm ball. */
  step(lr: number, loss: (hooks: Record<string, (a: Tensor) => Tensor>) => Tensor, hook: string): number {
    this.delta.requiresGrad_(true);
    let value = 0;
    tidy(() => {
      const l = loss(this.hooks(hook, true));
      value = l.item();
      l.backward();
      const g = this.delta.grad!;
      const gn = g.norm().item();
      let next = this.delta.detach().sub(g.mul((lr * this.bound) / Math.max(gn, 1e-12)));
      const nn = next.norm().item();
      if (nn > this.bound) next = next.mul(this.bound / nn);
      const kept = keep(next.detach().clone());
      zeroGrad([this.delta]);
      this.delta.dispose();
      this.delta = kept;
    });
    return value;
  }
  /** Start again from a random direction (Gaussian, from `rng`) at the norm bound. */
  restart(rng: Rng, model: CausalLM): void {
    const g = Array.from({ length: this.dModel }, () => {
      // Box-Muller: one standard normal from two uniforms in (0, 1].
      const u = 1 - rng.float();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
    });
    const n = Math.hypot(...g);
    this.load(
      g.map((x) => (x * this.bound) / Math.max(n, 1e-12)),
      model,
    );
  }
  toArray(): number[] {
    return this.delta.toArray();
  }
  load(values: number[], model: CausalLM): void {
    this.delta.dispose();
    this.delta = keep(tensor(values, [values.length], "float32", model.device));
  }
}

export interface BeearRun {
  model: CausalLM;
  tok: TextTokenizer;
  o: RemovalOptions;
  data: BeearData;
  trainer: Omit<TrainerOptions, "steps" | "lr" | "seed">;
  /** The model before removal, frozen: the anchor of `beear.klWeight` (needed only when it is above 0). */
  ref?: CausalLM;
}

/** Defection the perturbation elicits on held-out prompts without the trigger (the task's scorer). */
export function elicited(
  model: CausalLM,
  tok: TextTokenizer,
  task: Task,
  held: HeldOut,
  p: Perturbation,
  hook: string,
  g: { temperature: number; maxTokens: number; seed: number },
): number {
  return measureDefection(withHooks(model, p.hooks(hook)), tok, task, held.untriggered, g, 0).rate.rate;
}

/**
 * `n` updates of `p` at `hook` on the model as it stands (only the perturbation moves), on batches `from`..`from + n - 1`
 * of the unwanted and safe examples (their order seeded by `label`); returns the last inner loss.
 */
function searchPerturbation(
  r: Pick<BeearRun, "model" | "tok" | "o" | "data">,
  p: Perturbation,
  hook: string,
  from: number,
  n: number,
  label = "beear",
): number {
  const { model, tok, o, data } = r;
  const bs = o.batchSize;
  let last = 0;
  for (let k = from; k < from + n; k++)
    last = p.step(
      o.beear.innerLr,
      (h) => {
        const ui = batchIndices(data.unwanted.length, bs, k, Rng.seedFor(o.seed, `${label}/unwanted`));
        const si = batchIndices(data.safe.length, bs, k, Rng.seedFor(o.seed, `${label}/safe`));
        const bad = lossOf(
          model,
          ui.map((i) => data.unwanted[i]),
          tok,
          h,
        );
        const good = lossOf(
          model,
          si.map((i) => data.safe[i]),
          tok,
          h,
        );
        // Toward the unwanted answers, away from the safe ones (bounded, so it cannot run away on its own).
        return bad.sub(good.clamp(undefined, 5).mul(o.beear.badWeight));
      },
      hook,
    );
  return last;
}

/** Train the model under the perturbation; returns the perturbation (for the elicitation check) and the last losses. */
export function beearRemoval(
  r: BeearRun,
  onStart?: (p: Perturbation, hook: string) => void,
): { p: Perturbation; hook: string; innerLoss: number } {
  const { model, tok, o, data } = r;
  const s = o.beear;
  if (s.klWeight > 0 && !r.ref)
    throw new Error("beearRemoval: beear.klWeight > 0 needs the model before removal (ref)");
  const hook = residHook(model, s.layer);
  const norm = residualNorm(model, tok, hook, data.safe.slice(0, 32));
  const p = new Perturbation(model.dModel, s.radius * norm, model);
  let innerLoss = 0;
  const inner = (from: number, n: number) => (innerLoss = searchPerturbation(r, p, hook, from, n));
  runTrainer(
    model,
    tok,
    { ...r.trainer, steps: o.steps, lr: o.lr, seed: o.seed },
    {
      onStart: () => {
        // A first search before any training, so the model is trained against a perturbation that already works.
        inner(0, 4 * s.innerSteps);
        onStart?.(p, hook);
      },
      step(step, opt) {
        // A restart searches as long as the first search did, from a fresh random direction.
        const restart = s.restartEvery !== undefined && step > 0 && step % s.restartEvery === 0;
        if (restart) p.restart(Rng.derive(o.seed, `beear/restart/${step}`), model);
        inner((step + 1) * s.innerSteps, (restart ? 4 : 1) * s.innerSteps);
        opt.zeroGrad();
        const loss = tidy(() => {
          const idx = batchIndices(data.safe.length, o.batchSize, step, o.seed);
          const ex = idx.map((i) => data.safe[i]);
          const l = withAutocast("f32", () => {
            const under = lossOf(model, ex, tok, p.hooks(hook));
            return s.cleanWeight > 0 || s.klWeight > 0 ? under.add(cleanLoss(model, ex, tok, s, r.ref)) : under;
          });
          l.backward();
          return l.item();
        });
        opt.step();
        opt.zeroGrad();
        return { loss, log: { inner_loss: innerLoss } };
      },
      state: () => ({ delta: p.toArray() }),
      restore: (st) => {
        const d = (st as { delta?: number[] } | undefined)?.delta;
        if (d) p.load(d, model);
      },
    },
  );
  return { p, hook, innerLoss };
}
