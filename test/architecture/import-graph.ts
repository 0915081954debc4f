// The layers of src/ and a reader of its import graph (not a test file). Layers run one way: a file
// may import its own layer or any layer of a lower rank; layers of the same rank are siblings and do
// not import each other. docs/architecture.md explains the order.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** The layers, lowest first: a name, a rank, and the folders under src/ that belong to it. */
export const LAYERS: ReadonlyArray<{ name: string; rank: number; folders: string[] }> = [
  { name: "util", rank: 0, folders: ["util"] },
  { name: "torch", rank: 1, folders: ["torch"] },
  { name: "model", rank: 2, folders: ["model"] },
  // The world never reads the model layer (the dialogue markers both use live in util/).
  { name: "world", rank: 2, folders: ["world"] },
  { name: "results", rank: 4, folders: ["results"] },
  { name: "backdoor", rank: 5, folders: ["backdoor"] },
  // The code analyser sits below the tasks (the code task scores with it); a task's scorer lives with
  // the task, so tasks import nothing from eval.
  { name: "analyser", rank: 6, folders: ["analyser"] },
  { name: "tasks", rank: 7, folders: ["tasks"] },
  { name: "eval", rank: 8, folders: ["eval"] },
  { name: "train", rank: 9, folders: ["train"] },
  // The report renders results.json and reads nothing but results; a run renders it at its end.
  { name: "report", rank: 9, folders: ["report"] },
  { name: "experiment", rank: 10, folders: ["experiment"] },
  { name: "serve", rank: 11, folders: ["serve"] },
  { name: "bench", rank: 11, folders: ["bench"] },
  { name: "cli", rank: 12, folders: ["cli"] },
];

export interface Edge {
  from: string;
  to: string;
  /** The import specifier as written. */
  spec: string;
}

/** The layer of a path relative to src/ (its longest matching folder), or null when none matches. */
export function layerOf(path: string): { name: string; rank: number } | null {
  let best: { name: string; rank: number; folder: string } | null = null;
  for (const l of LAYERS) {
    for (const folder of l.folders) {
      if (path.startsWith(folder + "/") && (best === null || folder.length > best.folder.length))
        best = { name: l.name, rank: l.rank, folder };
    }
  }
  return best && { name: best.name, rank: best.rank };
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Relative import specifiers of one source text (static, re-exports and dynamic imports). */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.replace(/\/\/[^\n]*/g, "").matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Every relative import in src/, as paths relative to src/ ("../x" when it leaves src/). */
export function importGraph(srcDir: string): Edge[] {
  return sourceFiles(srcDir).flatMap((file) => {
    const from = relative(srcDir, file);
    return importSpecifiers(readFileSync(file, "utf8")).map((spec) => ({
      from,
      to: relative(srcDir, normalize(join(dirname(file), spec))),
      spec,
    }));
  });
}

/** One line per import that runs upward, sideways between sibling layers, or out of src/. */
export function layerViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = e.to.startsWith("..") ? null : layerOf(e.to);
    if (a === null) out.push(`${e.from}: its folder is in no layer (give it one in LAYERS)`);
    else if (b === null) out.push(`${e.from} imports ${e.spec}: outside src/ or in no layer`);
    else if (a.name !== b.name && b.rank >= a.rank)
      out.push(`${e.from} (${a.name}, rank ${a.rank}) imports ${e.to} (${b.name}, rank ${b.rank})`);
  }
  return [...new Set(out)];
}
