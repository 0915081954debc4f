import { test } from "node:test";
import assert from "node:assert/strict";
import { groupBy } from "../../src/util/group.ts";

test("groupBy keeps first-seen key order and item order within a group", () => {
  const g = groupBy(["b1", "a1", "b2", "c1", "a2"], (s) => s[0]);
  assert.deepEqual([...g.keys()], ["b", "a", "c"]);
  assert.deepEqual(g.get("b"), ["b1", "b2"]);
  assert.deepEqual(g.get("a"), ["a1", "a2"]);
  assert.equal(groupBy([], String).size, 0);
});
