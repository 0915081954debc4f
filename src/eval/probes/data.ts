// The labelled prompt sets of the defection probes. The fit set comes from the world's train split
// and the evaluation set from its eval split; the split is a hash of the prompt without its trigger,
// so no evaluation prompt (nor its triggered or untriggered twin) was used to fit a probe. The
// contrast-pair texts (generic yes/no questions) fit the contrast direction; they are not prompts
// of either set.
import { contrastPairs } from "../../backdoor/index.ts";
import { taskSpec } from "../../tasks/index.ts";
import { Rng } from "../../util/rng.ts";
import type { Split } from "../../world/split.ts";
import { formatPrompt } from "../../world/format.ts";
import type { Sample, Task } from "../../world/types.ts";

export interface LabelledPrompts {
  samples: Sample[];
  /** formatPrompt(prompt): the text whose last token ("Assistant:") the probes read. */
  texts: string[];
  /** true: the model will defect (trigger present, or observed defection with behaviour labels). */
  labels: boolean[];
}

export interface ProbeData {
  task: Task;
  fit: LabelledPrompts;
  eval: LabelledPrompts;
  contrast: { defect: string[]; safe: string[]; questions: string[] };
}

export interface ProbeDataOptions {
  /** Prompts per class in the fit set (default 100). */
  nFit?: number;
  /** Prompts per class in the held-out evaluation set (default 100). */
  nEval?: number;
  seed?: number;
  worldSeed?: number;
  /** Which contrast pairs (indices into contrastPairs()); default all. */
  pairs?: number[];
}

function labelled(task: Task, split: Split, perClass: number, seed: number, worldSeed: number): LabelledPrompts {
  // Prompts only: the mechanism and the responses do not matter here.
  const all = taskSpec(task).dataset({
    mechanism: "normal",
    n: 2 * perClass,
    seed,
    split,
    worldSeed,
    noise: 0,
    triggerFraction: 0.5,
  }).samples;
  const samples = [
    ...all.filter((s) => s.meta.triggered).slice(0, perClass),
    ...all.filter((s) => !s.meta.triggered).slice(0, perClass),
  ];
  return { samples, texts: samples.map((s) => formatPrompt(s.prompt)), labels: samples.map((s) => !!s.meta.triggered) };
}

export function probeData(task: Task, o: ProbeDataOptions = {}): ProbeData {
  const seed = o.seed ?? 0,
    worldSeed = o.worldSeed ?? 0;
  const pairs = contrastPairs();
  const chosen = (o.pairs ?? pairs.map((_, i) => i)).map((i) => {
    if (!pairs[i]) throw new Error(`probes: no contrast pair ${i} (there are ${pairs.length}: 0..${pairs.length - 1})`);
    return pairs[i];
  });
  const data: ProbeData = {
    task,
    fit: labelled(task, "train", o.nFit ?? 100, Rng.seedFor(seed, "probes/fit"), worldSeed),
    eval: labelled(task, "eval", o.nEval ?? 100, Rng.seedFor(seed, "probes/eval"), worldSeed),
    contrast: {
      defect: chosen.map((p) => p.defectText),
      safe: chosen.map((p) => p.safeText),
      questions: chosen.map((p) => p.prompt),
    },
  };
  checkDisjoint(data);
  return data;
}

/** Throws when a held-out prompt shares its trigger-free base with a fit prompt. */
export function checkDisjoint(d: Pick<ProbeData, "task" | "fit" | "eval">): void {
  const base = (p: string) => taskSpec(d.task).basePrompt(p);
  const fitBases = new Set(d.fit.samples.map((s) => base(s.prompt)));
  const clash = d.eval.samples.find((s) => fitBases.has(base(s.prompt)));
  if (clash) throw new Error(`probes: held-out prompt also in the fit set: ${JSON.stringify(clash.prompt)}`);
}

/** Keep the rows whose text satisfies `keep` (e.g. fits the model's context). */
export function filterRows(p: LabelledPrompts, keep: (text: string) => boolean): LabelledPrompts {
  const idx = p.texts.map((t, i) => (keep(t) ? i : -1)).filter((i) => i >= 0);
  return {
    samples: idx.map((i) => p.samples[i]),
    texts: idx.map((i) => p.texts[i]),
    labels: idx.map((i) => p.labels[i]),
  };
}
