// The engine's memory contract: disposed tensors leave nothing behind, tensors dropped without dispose are
// reclaimed during a long synchronous loop (no trip through the event loop), and tensor memory is reused
// instead of piling up beside the small objects of JavaScript handles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { emptyCache, liveTensorCount, memoryStats, randn, tidy, zeros, buildInfo } from "../../src/torch/index.ts";

const MB = 2 ** 20;

test("dispose and tidy keep the live count and the allocator's bytes flat", () => {
  const x = randn([256, 1024]);
  const before = memoryStats();
  for (let i = 0; i < 2000; i++) tidy(() => x.add(1).mul(2).sum().item());
  const after = memoryStats();
  assert.equal(after.liveTensors, before.liveTensors);
  assert.equal(after.allocator.inUseBytes, before.allocator.inUseBytes);
  assert.equal(
    after.collectedTensors,
    before.collectedTensors,
    "every tensor was disposed, none left to the collector",
  );
  x.dispose();
  assert.equal(liveTensorCount(), before.liveTensors - 1);
});

test("the allocator reuses freed blocks: after warm-up a loop maps nothing new", () => {
  assert.equal(buildInfo().allocator, "caching");
  const x = randn([512, 1024]); // 2 MB blocks: the large-block path
  tidy(() => x.add(1).mul(2).sum().item());
  const warm = memoryStats().allocator;
  for (let i = 0; i < 500; i++) tidy(() => x.add(1).mul(2).sum().item());
  const after = memoryStats().allocator;
  assert.equal(after.osMaps, warm.osMaps);
  assert.ok(after.cacheHits >= warm.cacheHits + 1000, `cache hits ${warm.cacheHits} -> ${after.cacheHits}`);
  x.dispose();
  emptyCache();
  assert.equal(memoryStats().allocator.cachedBytes, 0);
});

test("tensors dropped without dispose are reclaimed inside a synchronous loop", () => {
  // 2,000 x 4 MB = 8 GB if nothing were freed before the loop ends; no gc(), no await.
  const before = memoryStats();
  for (let i = 0; i < 2000; i++) zeros([1024, 1024]);
  const after = memoryStats();
  const kept = after.liveTensors - before.liveTensors;
  assert.ok(kept < 200, `${kept} of 2000 dropped tensors still alive at the end of the loop`);
  assert.ok(after.allocator.inUseBytes - before.allocator.inUseBytes < 1024 * MB);
  assert.ok(
    after.collectedTensors - before.collectedTensors >= 1800,
    "the collector freed them (and counted each as a missed dispose)",
  );
});

// Resident memory needs a fresh process: the test runner's own heap would blur it.
function childRss(env: NodeJS.ProcessEnv): { peak: number; start: number; live: number } {
  const code = `
    const { randn, tidy, liveTensorCount } = await import(${JSON.stringify(new URL("../../src/torch/index.ts", import.meta.url).href)});
    const x = randn([262144]);
    const start = process.memoryUsage.rss();
    let peak = start;
    for (let i = 0; i < 20000; i++) {
      tidy(() => x.add(1).mul(2).sum().item());
      if (i % 500 === 0) peak = Math.max(peak, process.memoryUsage.rss());
    }
    console.log(JSON.stringify({ peak, start, live: liveTensorCount() }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("resident memory stays flat over 20,000 disposed steps of 1 MB tensors", () => {
  // With tensor data in the malloc heap, the handles' small objects pinned freed blocks: 1.5-2 GB here.
  const r = childRss({});
  assert.equal(r.live, 1);
  assert.ok(r.peak - r.start < 200 * MB, `resident memory grew by ${Math.round((r.peak - r.start) / MB)} MB`);
});
