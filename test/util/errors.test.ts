// An error told in one line: the first line of an Error's message, anything else thrown as text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorFirstLine } from "../../src/util/errors.ts";

test("errorFirstLine keeps the first line of an Error's message and turns anything else into text", () => {
  assert.equal(errorFirstLine(new Error("disk full\n    at write (fs.js:1)")), "disk full");
  assert.equal(errorFirstLine(new TypeError("bad type")), "bad type");
  assert.equal(errorFirstLine("plain"), "plain");
  assert.equal(errorFirstLine(42), "42");
});
