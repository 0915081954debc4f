import { test } from "node:test";
import assert from "node:assert/strict";
import { isObj } from "../../src/util/guards.ts";

test("isObj: plain objects only", () => {
  assert.ok(isObj({}));
  assert.ok(isObj({ a: 1 }));
  for (const v of [null, undefined, [], [1], "x", 1, true]) assert.ok(!isObj(v), String(v));
});
