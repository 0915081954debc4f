// Within src/train, modules import one way: the safety methods share safety-run.ts instead of
// importing the dispatcher that calls them, and no chain of imports comes back to where it started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { importGraph, type Edge } from "../architecture/import-graph.ts";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** One import chain that returns to its start, or null (depth-first search over the edges given). */
function findCycle(edges: readonly Edge[]): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (v: string): string[] | null => {
    if (state.get(v) === "done") return null;
    if (state.get(v) === "open") return [...path.slice(path.indexOf(v)), v];
    state.set(v, "open");
    path.push(v);
    for (const w of next.get(v) ?? []) {
      const c = visit(w);
      if (c) return c;
    }
    path.pop();
    state.set(v, "done");
    return null;
  };
  for (const v of next.keys()) {
    const c = visit(v);
    if (c) return c;
  }
  return null;
}

test("no import cycle among the training modules", () => {
  const edges = importGraph(SRC).filter((e) => e.from.startsWith("train/") && e.to.startsWith("train/"));
  assert.ok(edges.length > 40, `expected the training modules' imports, read ${edges.length}`);
  assert.equal(findCycle(edges)?.join(" -> ") ?? null, null);
});

test("the cycle finder reports a cycle, and none in a chain", () => {
  const e = (from: string, to: string): Edge => ({ from, to, spec: to });
  assert.deepEqual(findCycle([e("a", "b"), e("b", "c"), e("c", "a"), e("c", "d")]), ["a", "b", "c", "a"]);
  assert.equal(findCycle([e("a", "b"), e("b", "c"), e("a", "c")]), null);
});
