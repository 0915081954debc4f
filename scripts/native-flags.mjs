#!/usr/bin/env node
// The addon's compiler flags, read from native/binding.gyp so that the scripts that compile the sources
// outside node-gyp (scripts/gpu-run.sh, scripts/check-torch-headers.sh) use the same ones.
//   node scripts/native-flags.mjs cflags    -> the C++ flags (cflags_cc), one per line
//   node scripts/native-flags.mjs defines   -> the fixed defines (without the computed ABI one), one per line
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const gyp = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "native", "binding.gyp"), "utf8"),
);
const target = gyp.targets[0];
const what = process.argv[2];
const lists = {
  cflags: target.cflags_cc,
  defines: target.defines.filter((d) => !d.startsWith("<!")),
};
if (!(what in lists)) {
  console.error(`native-flags: unknown list "${what ?? ""}"; use one of: ${Object.keys(lists).join(", ")}`);
  process.exit(2);
}
console.log(lists[what].join("\n"));
