import { test } from "node:test";
import assert from "node:assert/strict";
import { noGrad } from "../../../src/torch/index.ts";
import {
  applyPruning,
  dormantNeurons,
  mlpOutputLayers,
  neuronActivity,
} from "../../../src/train/defense/fine-prune.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";
import type { Sample } from "../../../src/world/types.ts";

const prompts: Sample[] = ["what is two plus two?", "say hello.", "the cat sat on the mat.", "a dog ran home."].map(
  (prompt) => ({ prompt, response: "", meta: {} }) as unknown as Sample,
);

test("a neuron silenced on every input is measured dormant, pruned, and only its weights are zeroed", () => {
  const tok = toyTokenizer();
  const m = tinyModel(tok, 5, { contextLength: 64 });
  const layers = mlpOutputLayers(m);
  assert.deepEqual(layers, ["h.0.mlp.c_proj", "h.1.mlp.c_proj"]);
  const last = layers[1];
  // Neuron 7 of the last MLP: zero input weights and bias, so gelu(0) = 0 on every token.
  noGrad(() => {
    const fc = m.params.get("h.1.mlp.c_fc.weight")!;
    const b = m.params.get("h.1.mlp.c_fc.bias")!;
    fc.select(0, 7).fill_(0);
    b.select(0, 7).fill_(0);
  });
  const act = neuronActivity(m, tok, [last], prompts, 3);
  const a = act.get(last)!;
  assert.equal(a.length, m.params.get(last + ".weight")!.shape[1]);
  assert.ok(a[7] === 0, "a silenced neuron has no activity");
  assert.ok([...a].filter((x, i) => i !== 7).every((x) => x > 0));
  assert.equal(m.adapters.size, 0, "the recording adapters are taken back");
  const pruned = dormantNeurons(act, 0.25);
  const idx = pruned.get(last)!;
  assert.equal(idx.length, Math.floor(0.25 * a.length));
  assert.ok(idx.includes(7));
  // The pruned set is the least active quarter.
  const maxPruned = Math.max(...idx.map((i) => a[i]));
  assert.ok([...a].every((x, i) => idx.includes(i) || x >= maxPruned));
  const before = m.params.get(last + ".weight")!.toArray();
  const cols = a.length;
  applyPruning(m, pruned);
  const after = m.params.get(last + ".weight")!.toArray();
  for (let k = 0; k < after.length; k++) {
    const col = k % cols;
    assert.ok(idx.includes(col) ? after[k] === 0 : after[k] === before[k], `weight ${k}`);
  }
  m.dispose();
});
