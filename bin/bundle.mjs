// The CLI as plain JavaScript, built from src/ by esbuild into .cache/cli-<key>/ and rebuilt (about half a second)
// whenever a source file changes: starting through tsx costs 0.5-2 s per command (it transforms every module it
// loads), the bundle 0.1-0.3 s. The key hashes every source file's path, size and mtime, so an edit makes a new
// directory and a process still running from an older build keeps its lazily loaded chunks. The directory sits two
// levels below the repository root, as src/<layer>/<file>.ts does, so paths the sources derive from their own
// location (the native addon, package.json, bin/) resolve the same. Any failure returns null: the caller falls back
// to tsx, which also reports a syntax error better than a bundler would.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(ROOT, ".cache");
// Entries: the CLI and the worker link's thread (src/experiment/workers/link.ts looks for it beside itself).
const ENTRIES = ["src/cli/main.ts", "src/experiment/workers/link-thread.ts"];
// Builds older than this are removed (a run started from one may still load its chunks for a while).
const KEEP_MS = 24 * 3600 * 1000;

/** A name for the state of every .ts file under `src`: it changes when one is added, removed or edited. */
export function sourceKey(src) {
  const h = createHash("sha1");
  h.update("esbuild-split-v1\n");
  for (const f of readdirSync(src, { recursive: true }).sort()) {
    if (!f.endsWith(".ts")) continue;
    const s = statSync(join(src, f));
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest("hex").slice(0, 16);
}

function prune(keep) {
  for (const name of readdirSync(CACHE)) {
    if (!name.startsWith("cli-") || name === keep) continue;
    const p = join(CACHE, name);
    if (Date.now() - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { recursive: true, force: true });
  }
}

async function build(dir) {
  const { build } = await import("esbuild");
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    bundle: true,
    splitting: true, // commands stay lazily loaded chunks, as they are from the sources
    packages: "external", // dependencies load from node_modules as usual (native and wasm files included)
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: tmp,
    outExtension: { ".js": ".mjs" },
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    logLevel: "silent",
  });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process built the same key first
  }
}

/** The bundled CLI's entry (built if missing), or null when it cannot be had. */
export async function bundledEntry() {
  try {
    const name = `cli-${sourceKey(join(ROOT, "src"))}`;
    const dir = join(CACHE, name);
    const entry = join(dir, "main.mjs");
    if (!existsSync(entry)) {
      mkdirSync(CACHE, { recursive: true });
      await build(dir);
      prune(name);
    }
    return existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}
