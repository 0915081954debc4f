// The optimiser by name: every name of OPTIMIZER_NAMES builds its optimiser with the groups and options given;
// an unknown name is a one-line error listing the known ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, liveTensorCount } from "../../src/torch/index.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../../src/torch/optimizer-names.ts";
import { isOptimizerName, makeOptimizer } from "../../src/torch/optim-factory.ts";
import { AdamW } from "../../src/torch/optim.ts";
import { SGD } from "../../src/torch/optim-sgd.ts";
import { Adafactor } from "../../src/torch/optim-adafactor.ts";

test("makeOptimizer builds each named optimiser over the groups, with lr, per-group decay and clipNorm", () => {
  const w = tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]).requiresGrad_(true),
    b = tensor(Float32Array.from([1, 2]), [2]).requiresGrad_(true);
  const before = liveTensorCount();
  const classes = { adamw: AdamW, sgd: SGD, adafactor: Adafactor };
  for (const name of OPTIMIZER_NAMES) {
    const opt = makeOptimizer(name, [{ params: [w] }, { params: [b], weightDecay: 0 }], {
      lr: 0.5,
      weightDecay: 0.2,
      clipNorm: 1,
    });
    assert.ok(opt instanceof classes[name], name);
    assert.equal(opt.name, name);
    assert.equal(opt.lr, 0.5);
    assert.equal(opt.clipNorm, 1);
    assert.equal(opt.stepCount, 0);
    assert.deepEqual(opt.params, [w, b]);
    const decays = (opt as AdamW | SGD | Adafactor).groups.map((g) => g.weightDecay);
    assert.deepEqual(decays, [0.2, 0], `${name}: the group's decay wins over the default`);
    opt.dispose();
  }
  assert.equal(liveTensorCount(), before);
  w.dispose();
  b.dispose();
});

test("an unknown optimiser name is a one-line error naming the valid ones", () => {
  const w = tensor(Float32Array.from([1]), [1]).requiresGrad_(true);
  assert.throws(
    () => makeOptimizer("lion" as OptimizerName, [w], { lr: 1 }),
    (e: Error) => {
      assert.equal(e.message, `unknown optimizer 'lion': expected one of ${OPTIMIZER_NAMES.join(", ")}`);
      assert.equal(e.message.split("\n").length, 1);
      return true;
    },
  );
  assert.throws(() => makeOptimizer("constructor" as OptimizerName, [w], { lr: 1 }), /unknown optimizer 'constructor'/);
  assert.ok(OPTIMIZER_NAMES.every(isOptimizerName));
  assert.equal(isOptimizerName("Adam"), false);
  w.dispose();
});
