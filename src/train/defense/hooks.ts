// A model seen through extra forward hooks: the same weights and tokenizer-facing contract, every
// forward pass (generation's included) running the hooks too. BEEAR measures what its residual-stream
// perturbation elicits this way, through the shared answer sampler and the task's scorer.
import type { CausalLM, ForwardOptions, HookFn } from "../../model/causal-lm.ts";

export function withHooks(model: CausalLM, hooks: Record<string, HookFn>): CausalLM {
  const view = Object.create(model) as CausalLM & { forward: CausalLM["forward"] };
  Object.defineProperty(view, "forward", {
    value: (ids: Parameters<CausalLM["forward"]>[0], opts: ForwardOptions = {}) =>
      model.forward(ids, { ...opts, hooks: { ...hooks, ...opts.hooks } }),
  });
  return view;
}

/** The residual stream BEEAR perturbs: hook_resid_post of block `layer` ("middle": nLayers / 2, floored). */
export function residHook(model: CausalLM, layer: number | "middle"): string {
  const i = layer === "middle" ? Math.floor(model.nLayers / 2) : layer;
  if (i >= model.nLayers)
    throw new Error(
      `removal.beear.layer: ${i} is past the model's last block (${model.nLayers - 1}); pick 0..${model.nLayers - 1} or "middle"`,
    );
  return `blocks.${i}.hook_resid_post`;
}
