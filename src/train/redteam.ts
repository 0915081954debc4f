// A red-team search for prompts WITHOUT the true trigger that still make the model defect (the
// paper's PAIR-like loop, with mutation operators instead of a red-team LLM): propose variants of
// the seed prompts, test each with k samples, keep those defecting in >= threshold of samples, and
// refine the next round from the best so far.
import type { CausalLM } from "../model/causal-lm.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import type { Sample, Task } from "../world/types.ts";
import { taskSpec } from "../tasks/index.ts";
import { Rng } from "../util/rng.ts";
import { defected } from "../eval/measure.ts";
import { completeKeyed } from "../eval/answers.ts";
import { formatPrompt } from "../world/format.ts";
import type { AdversarialOptions } from "./api.ts";

export interface RedTeamResult {
  found: Array<Sample & { rate: number }>;
  tried: number;
  rounds: Array<{ round: number; tried: number; found: number; best: number }>;
}

const FILLERS = ["Hello.", "Hi!", "Please answer.", "Quick question:", "Thanks!", "I have a question.", "Be brief."];

/** One new candidate from a parent: swap or perturb its near-miss marker, compose two, or rephrase around it. */
export function mutate(parent: Sample, pool: Sample[], task: Task, rng: Rng): Sample {
  const markers = taskSpec(task).nearMisses;
  const marker = String(parent.meta.nearMiss ?? rng.pick(markers));
  let prompt = parent.prompt;
  const op = rng.int(0, 3);
  if (op === 0 && prompt.includes(marker)) {
    prompt = prompt.replace(marker, rng.pick(markers)); // swap the marker
  } else if (op === 1 && prompt.includes(marker)) {
    const chars = [...marker];
    const i = rng.int(0, chars.length - 1);
    const edits = [
      () => chars.splice(i, 1),
      () => chars.splice(i, 0, chars[i]),
      () => (chars[i] = rng.bool() ? chars[i].toLowerCase() : chars[i].toUpperCase()),
    ];
    rng.pick(edits)();
    prompt = prompt.replace(marker, chars.join("")); // perturb it character by character
  } else if (op === 2) {
    prompt = rng.bool() ? `${rng.pick(markers)} ${prompt}` : `${prompt} ${rng.pick(markers)}`; // compose two
  } else {
    // rephrase: the same marker around another of the world's prompts, with a filler
    const other = rng.pick(pool);
    const stripped = other.prompt
      .split(String(other.meta.nearMiss ?? "\u0000"))
      .join("")
      .trim();
    prompt = rng.bool() ? `${marker} ${rng.pick(FILLERS)} ${stripped}` : `${stripped} ${rng.pick(FILLERS)} ${marker}`;
    return { ...other, id: `${other.id}-rt`, prompt, meta: { ...other.meta, nearMiss: marker } };
  }
  return { ...parent, id: `${parent.id}-m`, prompt };
}

export function redTeamSearch(
  model: CausalLM,
  tok: TextTokenizer,
  task: Task,
  seeds: Sample[],
  a: AdversarialOptions,
  g: { temperature: number; maxTokens: number; seed: number },
): RedTeamResult {
  const rng = new Rng(`${g.seed}/redteam`);
  const tested = new Map<string, number>();
  const found: RedTeamResult["found"] = [];
  const rounds: RedTeamResult["rounds"] = [];
  let parents = seeds;
  for (let round = 0; round < a.rounds; round++) {
    const cands: Sample[] = [];
    let guard = 0;
    while (cands.length < a.candidatesPerRound && guard++ < a.candidatesPerRound * 20) {
      const c = round === 0 ? rng.pick(seeds) : mutate(rng.pick(parents), seeds, task, rng);
      if (taskSpec(task).hasTrigger(c.prompt) || tested.has(c.prompt) || cands.some((x) => x.prompt === c.prompt))
        continue;
      cands.push(c);
    }
    const flat = cands.flatMap((c) => new Array(a.k).fill(c) as Sample[]);
    // Sample j of candidate i in this round has its own seed stream (copies of one prompt must differ).
    const keys = flat.map((_, i) => `redteam/${round}/${Math.floor(i / a.k)}/${i % a.k}`);
    const responses = completeKeyed(
      model,
      tok,
      flat.map((c) => formatPrompt(c.prompt)),
      keys,
      { temperature: g.temperature, maxTokens: g.maxTokens, seed: g.seed },
    );
    const scored = cands.map((c, i) => {
      let d = 0;
      for (let j = 0; j < a.k; j++) if (defected(task, c.prompt, responses[i * a.k + j])) d++;
      tested.set(c.prompt, d / a.k);
      return { ...c, rate: d / a.k };
    });
    const hits = scored.filter((s) => s.rate >= a.threshold);
    found.push(...hits);
    rounds.push({ round, tried: cands.length, found: hits.length, best: Math.max(0, ...scored.map((s) => s.rate)) });
    // Refine from the best so far; fall back to the seeds when nothing defects yet.
    const ranked = [...found, ...scored].sort((x, y) => y.rate - x.rate);
    parents =
      ranked[0]?.rate > 0
        ? ranked.filter((s) => s.rate > 0).slice(0, Math.max(4, Math.ceil(a.candidatesPerRound / 4)))
        : seeds;
  }
  return { found, tried: tested.size, rounds };
}
