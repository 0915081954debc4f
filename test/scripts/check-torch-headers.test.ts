// The native sources compile against PyTorch 2.x's headers as well as Debian's libtorch 1.13 (which the rest of
// the suite links): every source, CPU and CUDA variants, -fsyntax-only against the include/ folder of PyTorch
// 2.11.0's wheel. The headers are not part of the repository: a checkout with the tarball beside it (in the
// folder above the repository, as `shared/torch-2.11.0-include.tar.xz`) runs the check; anywhere else it skips
// and says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TARBALL = join(ROOT, "..", "shared", "torch-2.11.0-include.tar.xz");
const why = existsSync(TARBALL) ? false : `no PyTorch 2.11 headers at ${TARBALL}: the 2.x compile check is skipped`;
if (why) console.log(`# ${why}`);

test(
  "every native source compiles against PyTorch 2.11's headers (CPU and CUDA variants)",
  { skip: why, timeout: 600_000 },
  () => {
    const r = spawnSync("bash", [join(ROOT, "scripts/check-torch-headers.sh"), TARBALL], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /libtorch 2\.11\.0 headers/);
    assert.match(r.stdout, /cpu build: clean/);
    assert.match(r.stdout, /cuda build: clean/);
  },
);

test("the check reports a missing header folder as a usage error", () => {
  const r = spawnSync("bash", [join(ROOT, "scripts/check-torch-headers.sh"), join(ROOT, "no-such-include")], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /does not exist/);
});
