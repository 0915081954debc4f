// The project is strict TypeScript, but tsx runs it without checking types: this test is where the
// suite (and so CI) type-checks every file tsconfig.json includes (src, test, bench, bin, scripts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("tsc --noEmit finds no type errors", { timeout: 600_000 }, () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", root], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `tsc reported:\n${(r.stdout + r.stderr).split("\n").slice(0, 30).join("\n")}`);
});
