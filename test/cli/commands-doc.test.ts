// docs/commands.md's option reference is what the commands' --help says now.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DOC, renderDoc } from "../../scripts/commands-doc.ts";

test("docs/commands.md lists every command's current options (regenerate: node --import tsx scripts/commands-doc.ts)", async () => {
  const current = readFileSync(DOC, "utf8");
  assert.equal(current, await renderDoc(current));
});
