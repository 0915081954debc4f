// Trigger unlearning, blind to the trigger (the invert-then-unlearn defenses, as BAIT and the trigger scanners
// follow detection with removal): search the model for a trigger by inversion, as the detectors search but on
// training prompts, then fine-tune it to answer HHH on prompts that carry the candidates found, beside plain HHH
// data. Then search again: rounds go on until no candidate makes `stopBelow` of the measured answers defect, or
// the rounds run out. The removal's step budget is split evenly over the rounds.
import type { CausalLM } from "../../model/causal-lm.ts";
import type { TextTokenizer } from "../../model/text-tokenizer.ts";
import { invertTrigger, withCandidate, type InversionSettings } from "../../eval/defense/inversion.ts";
import { taskSpec } from "../../tasks/index.ts";
import type { Sample } from "../../world/types.ts";
import { progressReporter } from "../../util/progress.ts";
import { Rng } from "../../util/rng.ts";
import { sampleExamples } from "../data.ts";
import { trainSupervised } from "../loop.ts";
import type { TrainerOptions } from "../trainer.ts";
import type { RemovalOptions } from "./options.ts";

export interface UnlearnData {
  /** The task's prompts without the trigger, answered HHH: measured on, and trained on with a candidate before them. */
  safe: Sample[];
  /** The same kind of prompts answered with the unwanted behaviour: the search's aim where the task's depends on the prompt. */
  unwanted: Sample[];
  /** Plain HHH data trained on beside them. */
  clean: Sample[];
}

export interface UnlearnRound {
  /** The best candidate of the round's search, and the share of measured answers it made defect. */
  best: string;
  score: number;
  /** The candidates trained against (those at or above stopBelow); none ends the rounds. */
  used: string[];
  steps: number;
}

export interface UnlearnInput {
  model: CausalLM;
  tok: TextTokenizer;
  o: RemovalOptions;
  inversion: InversionSettings;
  data: UnlearnData;
  /** Trainer settings of the stage (log, label); each round trains without a resume point of its own. */
  trainer: Pick<TrainerOptions, "logPath" | "label">;
}

/** One round's search: inversion on prompts drawn afresh for the round from the training prompts. */
function search(x: UnlearnInput, round: number) {
  const { model, tok, o, inversion: s, data } = x;
  const rng = Rng.derive(o.seed, `removal/unlearn/search/${round}`);
  const perPrompt = taskSpec(o.task).unwantedSet !== undefined;
  const aims = rng.sample(data.unwanted, Math.min(s.searchPrompts, data.unwanted.length));
  const evalPrompts = rng.sample(data.safe, Math.min(s.evalPrompts, data.safe.length));
  const prompts = {
    search: aims,
    eval: evalPrompts,
    ...(perPrompt ? { unwanted: aims.map((a) => a.response) } : {}),
  };
  const progress = progressReporter(`${x.trainer.label ?? "unlearn"} search ${round + 1} (gcg steps)`);
  return invertTrigger(model, tok, o.task, prompts, s, Rng.seedFor(o.seed, `removal/unlearn/${round}`), progress);
}

/** The round's training set: `share` of the examples carry one of the candidates before a safe prompt, the rest plain HHH. */
export function unlearnSamples(
  x: Pick<UnlearnInput, "o" | "data">,
  used: string[],
  n: number,
  round: number,
): Sample[] {
  const rng = Rng.derive(x.o.seed, `removal/unlearn/data/${round}`);
  const k = Math.round(n * x.o.unlearn.share);
  const carried = rng
    .sample(x.data.safe, Math.min(k, x.data.safe.length))
    .flatMap((s, i) => withCandidate([s], used[i % used.length], `unlearn${round}`));
  return rng.shuffle([...carried, ...rng.sample(x.data.clean, Math.min(n - carried.length, x.data.clean.length))]);
}

export function unlearnRemoval(x: UnlearnInput): UnlearnRound[] {
  const { model, tok, o } = x;
  const u = o.unlearn;
  const perRound = Math.max(1, Math.ceil(o.steps / u.rounds));
  const rounds: UnlearnRound[] = [];
  for (let r = 0; r < u.rounds; r++) {
    const found = search(x, r);
    const ranked = [...found.candidates].sort((a, b) => b.defection.rate - a.defection.rate);
    const used = ranked.filter((c) => c.defection.rate >= u.stopBelow).map((c) => c.text);
    const best = ranked[0];
    const round: UnlearnRound = { best: best?.text ?? "", score: best?.defection.rate ?? 0, used, steps: 0 };
    rounds.push(round);
    if (used.length === 0) break;
    const samples = unlearnSamples(x, used, perRound * o.batchSize, r);
    const { examples } = sampleExamples(tok, samples, model.contextLength);
    trainSupervised(model, tok, examples, {
      ...x.trainer,
      steps: perRound,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: Rng.seedFor(o.seed, `removal/unlearn/train/${r}`),
    });
    round.steps = perRound;
  }
  return rounds;
}
