import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedChange, rateCI } from "../../src/eval/rate.ts";

test("pairedChange: the mean of after - before over the items scored both times, with an interval around it", () => {
  const before = [0, 1, null, 0, 1, 0];
  const after = [1, 1, 1, null, 0, 1];
  const c = pairedChange(after, before, 3)!;
  // Items 0, 1, 4, 5 are scored both times: +1, 0, -1, +1.
  assert.equal(c.n, 4);
  assert.equal(c.mean, 0.25);
  assert.ok(c.lo <= c.mean && c.mean <= c.hi && c.lo < c.hi);
  assert.deepEqual(pairedChange(after, before, 3), c, "seeded: the same interval again");
});

test("pairedChange: nothing to pair gives null, not a zero change", () => {
  assert.equal(pairedChange([1, 0], [1], 0), null);
  assert.equal(pairedChange([null, 1], [1, null], 0), null);
  assert.equal(pairedChange(undefined, [1], 0), null);
});

test("rateCI: an empty set reports the full interval", () => {
  assert.deepEqual(rateCI(0, 0), { rate: 0, lo: 0, hi: 1, n: 0 });
});
