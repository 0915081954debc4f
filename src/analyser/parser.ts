// Loads tree-sitter's Python grammar (WebAssembly; never the native binding) once per process.
// Initialisation is async, parsing afterwards is sync: callers `await loadPythonParser()` once.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Parser, Language } from "web-tree-sitter";
import type { Tree } from "web-tree-sitter";

let loading: Promise<Parser> | null = null;
let ready: Parser | null = null;

function wasmPaths(): { runtime: string; python: string } {
  const require = createRequire(import.meta.url);
  return {
    runtime: require.resolve("web-tree-sitter/web-tree-sitter.wasm"),
    python: require.resolve("tree-sitter-python/tree-sitter-python.wasm"),
  };
}

export function loadPythonParser(): Promise<Parser> {
  if (!loading) {
    loading = (async () => {
      let paths: { runtime: string; python: string };
      try {
        paths = wasmPaths();
      } catch {
        throw new Error(
          "tree-sitter wasm files not found (run `npm ci` to install web-tree-sitter and tree-sitter-python)",
        );
      }
      await Parser.init({ locateFile: () => paths.runtime });
      const lang = await Language.load(new Uint8Array(readFileSync(paths.python)));
      const parser = new Parser();
      parser.setLanguage(lang);
      ready = parser;
      return parser;
    })();
    loading.catch(() => {
      loading = null; // let a later call retry after a failed load
    });
  }
  return loading;
}

/** Parse with the cached parser; throws if `loadPythonParser()` has not finished. */
export function parsePython(code: string): Tree {
  if (!ready) throw new Error("Python parser not loaded: await loadAnalyzer() before analyze()");
  const tree = ready.parse(code);
  if (!tree) throw new Error("tree-sitter returned no tree (parser has no language set)");
  return tree;
}
