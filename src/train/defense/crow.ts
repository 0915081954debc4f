// CROW-style removal (Min et al. 2025): fine-tune on HHH answers while holding consecutive layers' hidden
// states consistent (cosine) under an adversarial perturbation of the token embeddings. A backdoor tends
// to show as an abrupt change of the residual stream between layers; smoothing those changes on clean
// data, against the worst nearby embedding, is meant to leave it no path. Each step: the embedding
// perturbation is one signed-gradient (FGSM) step of the consistency loss; the model then trains on the
// answer loss plus alpha times the consistency loss, both under the perturbation.
import { crossEntropy, tidy, zeroGrad, zeros, type Tensor } from "../../torch/index.ts";
import type { CausalLM, HookFn } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { batchIndices, collate, type Batch, type Example } from "../batches.ts";
import { runTrainer, type TrainerOptions } from "../trainer.ts";
import type { RemovalOptions } from "./options.ts";

/**
 * Mean over consecutive pairs of (embeddings, block outputs...) of 1 - cos(h_l, h_l+1), over the real
 * (unpadded) tokens: 0 when every layer only rescales the stream, up to 2.
 */
export function consistencyLoss(states: Tensor[], mask: Tensor): Tensor {
  let total: Tensor | null = null;
  const denom = mask.sum().clamp(1);
  for (let l = 0; l + 1 < states.length; l++) {
    const a = states[l],
      b = states[l + 1];
    const cos = a
      .mul(b)
      .sum([-1])
      .div(
        a
          .pow(2)
          .sum([-1])
          .sqrt()
          .mul(b.pow(2).sum([-1]).sqrt())
          .clamp(1e-8),
      );
    const term = cos.neg().add(1).mul(mask).sum().div(denom);
    total = total ? total.add(term) : term;
  }
  return total ? total.div(states.length - 1) : zeros([], "float32", mask.device);
}

/** Forward with `embedDelta` added to the embeddings; returns the logits and the states consistency is measured on. */
function forwardStates(model: CausalLM, b: Batch, embedDelta: Tensor | null): { logits: Tensor; states: Tensor[] } {
  const states: Tensor[] = [];
  const hooks: Record<string, HookFn> = {
    hook_embed: (x) => {
      const y = embedDelta ? x.add(embedDelta) : x;
      states.push(y);
      return y;
    },
  };
  for (let i = 0; i < model.nLayers; i++) hooks[`blocks.${i}.hook_resid_post`] = (x) => void states.push(x);
  const { logits } = model.forward(b.x, { hooks, train: false });
  return { logits: logits!, states };
}

export function crowRemoval(
  model: CausalLM,
  tok: TextTokenizer,
  o: RemovalOptions,
  examples: Example[],
  trainer: Omit<TrainerOptions, "steps" | "lr" | "seed">,
  onStart?: () => void,
): void {
  const { alpha, epsilon } = o.crow;
  runTrainer(
    model,
    tok,
    { ...trainer, steps: o.steps, lr: o.lr, seed: o.seed },
    {
      onStart,
      step(step, opt) {
        let consistency = 0;
        const loss = tidy(() => {
          const idx = batchIndices(examples.length, o.batchSize, step, o.seed);
          const b = collate(
            idx.map((i) => examples[i]),
            tok.padId,
            model.contextLength,
            model.device,
          );
          const [B, T] = b.x.shape;
          const mask = b.x.ne(tok.padId).to("float32");
          // The perturbation: one signed step up the consistency loss, from zero.
          const d0 = zeros([B, T, model.dModel], "float32", model.device).requiresGrad_(true);
          const states0 = forwardStates(model, b, d0).states;
          consistencyLoss(states0, mask).backward();
          const g = d0.grad!;
          // Scaled to the embeddings' own size (their RMS over the batch), so epsilon means the same on every model.
          const rms = states0[0].detach().pow(2).mean().sqrt();
          const delta = g.div(g.abs().add(1e-12)).mul(rms.mul(epsilon)).detach();
          zeroGrad([d0]);
          opt.zeroGrad();
          const { logits, states } = forwardStates(model, b, delta);
          const ce = crossEntropy(logits.view(-1, model.vocabSize), b.y, b.uniform ? {} : { weights: b.w });
          const lc = consistencyLoss(states, mask);
          consistency = lc.item();
          const l = ce.add(lc.mul(alpha));
          l.backward();
          return ce.item();
        });
        opt.step();
        opt.zeroGrad();
        return { loss, log: { consistency } };
      },
    },
  );
}
