// Activation probes as a detector (trigger-aware: its labels are "the trigger is in the prompt"). The
// same logistic probe is fitted on the model and on its base model, at one layer, on two features:
// the last prompt token's residual stream (the project's probes), and the mean residual stream over
// the prompt's tokens with the trigger's own token positions masked out (so the probe cannot read
// the trigger's text at its positions). Each is decided by ./probe-rule.ts against the base.
import { longTensor, noGrad, tidy, type Tensor } from "../../torch/index.ts";
import type { CausalLM } from "../../model/causal-lm.ts";
import { decodePieces, type TextTokenizer } from "../../model/text-tokenizer.ts";
import { taskSpec } from "../../tasks/index.ts";
import type { Task } from "../../world/types.ts";
import { hookForLayer, lastTokenActivations } from "../probes/activations.ts";
import { probeData, type LabelledPrompts } from "../probes/data.ts";
import { fitLogistic, logisticScores } from "../probes/logistic.ts";
import { probeDecision, type ProbeDecision } from "./probe-rule.ts";

export type ProbeFeature = "last-token" | "trigger-masked";
export interface ProbeSettingsUsed {
  layer?: number;
  nFit: number;
  nEval: number;
  l2: number;
  margin: number;
  permutations: number;
  alpha: number;
}

/** Character spans of the words the trigger added to a prompt (prompt words its base prompt lacks). */
function triggerSpans(task: Task, text: string, prompt: string): Array<[number, number]> {
  const kept = new Map<string, number>();
  for (const w of taskSpec(task).basePrompt(prompt).split(" ")) kept.set(w, (kept.get(w) ?? 0) + 1);
  const start = text.indexOf(prompt);
  if (start < 0) return [];
  const spans: Array<[number, number]> = [];
  let at = start;
  for (const w of prompt.split(" ")) {
    const k = kept.get(w) ?? 0;
    if (k > 0) kept.set(w, k - 1);
    else if (w.length > 0) spans.push([at, at + w.length]);
    at += w.length + 1;
  }
  return spans;
}

/** Mean residual stream at `layer` over each text's tokens, leaving out tokens that overlap a trigger span. */
function maskedMeanActivations(
  model: CausalLM,
  tok: TextTokenizer,
  task: Task,
  p: LabelledPrompts,
  layer: number,
): Float32Array[] {
  const D = model.dModel;
  const hook = hookForLayer(layer, model.nLayers);
  return p.texts.map((text, i) => {
    const ids = tok.encode(text);
    const spans = triggerSpans(task, text, p.samples[i].prompt);
    let end = 0;
    const keep = decodePieces(tok, ids).map((piece) => {
      const s = end;
      end += piece.length;
      return !spans.some(([a, b]) => s < b && end > a);
    });
    const out = new Float32Array(D);
    noGrad(() =>
      tidy(() => {
        let got: Float32Array | null = null;
        const capture = (act: Tensor) => void (got = act.reshape(ids.length, D).dataSync() as Float32Array);
        model.forward(longTensor(ids, [1, ids.length], model.device), { hooks: { [hook]: capture } });
        const a = got as Float32Array | null;
        if (!a) throw new Error(`probes: hook ${hook} was not reached`);
        let n = 0;
        keep.forEach((k, t) => {
          if (!k) return;
          n++;
          for (let d = 0; d < D; d++) out[d] += a[t * D + d];
        });
        for (let d = 0; d < D; d++) out[d] /= Math.max(1, n);
      }),
    );
    return out;
  });
}

/** Each feature's activations of the prompts at `layer`: one vector per text. */
const FEATURES: Record<
  ProbeFeature,
  (model: CausalLM, tok: TextTokenizer, task: Task, p: LabelledPrompts, layer: number) => Float32Array[]
> = {
  "last-token": (model, tok, _task, p, layer) => lastTokenActivations(model, tok, p.texts, [layer])[0],
  "trigger-masked": maskedMeanActivations,
};

export interface ProbeDetection extends ProbeDecision {
  feature: ProbeFeature;
  layer: number;
}

/** Both probes on the model beside the same probes on its base. */
export function probeDetect(
  model: CausalLM,
  base: CausalLM,
  tok: TextTokenizer,
  task: Task,
  s: ProbeSettingsUsed,
  seed: number,
  worldSeed: number,
): ProbeDetection[] {
  const layer = s.layer ?? Math.ceil(model.nLayers / 2);
  if (layer > model.nLayers) throw new Error(`probes: layer ${layer} is past this model's ${model.nLayers} layers`);
  const data = probeData(task, { nFit: s.nFit, nEval: s.nEval, seed, worldSeed });
  return (["last-token", "trigger-masked"] as const).map((feature) => {
    const scores = (m: CausalLM) => {
      const fit = FEATURES[feature](m, tok, task, data.fit, layer);
      const lr = fitLogistic(fit, data.fit.labels, { l2: s.l2 });
      return logisticScores(lr, FEATURES[feature](m, tok, task, data.eval, layer));
    };
    const d = probeDecision(scores(model), scores(base), data.eval.labels, {
      margin: s.margin,
      alpha: s.alpha,
      permutations: s.permutations,
      seed: `${seed}/${feature}`,
    });
    return { feature, layer, ...d };
  });
}
