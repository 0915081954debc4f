// Several runs of one comparison side by side (e.g. RL against PMs of two sizes), each reduced by the
// quickstart's extract (preference model, base, every cell's first and last point, RL's paired changes and KL):
//
//   node --import tsx scripts/runs-extract.ts --out docs/results/rl-pm-size.json --source TEXT \
//     's=runs/rl-pm-size/results.json' 'xs=runs/rl-pm-size-xs/results.json'
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { quickstartExtract } from "./quickstart-extract.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

/**
 * LABEL=RESULTS_JSON arguments read: the label is everything before the last "=" (a label may itself hold one,
 * as a setting like removal.lr=2e-4 does; a path does not).
 */
export function readLabelled(args: string[], script: string): Array<{ label: string; path: string; results: unknown }> {
  return args.map((p) => {
    const at = p.lastIndexOf("=");
    if (at <= 0) throw new Error(`${script}: '${p}' is not LABEL=RESULTS_JSON`);
    const path = p.slice(at + 1);
    return { label: p.slice(0, at), path, results: JSON.parse(readFileSync(path, "utf8")) as unknown };
  });
}

export function runsExtract(source: string, runs: Array<{ label: string; path: string; results: unknown }>) {
  const out: Record<string, unknown> = {};
  for (const r of runs) {
    const { about: _a, source: _s, ...rest } = quickstartExtract(r.results, r.path);
    out[r.label] = rest;
  }
  return { source, runs: out };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" }, source: { type: "string", default: "" } },
  });
  if (!values.out || positionals.length === 0) {
    console.error("usage: runs-extract.ts --out FILE [--source TEXT] LABEL=RESULTS_JSON ...");
    process.exit(2);
  }
  const runs = readLabelled(positionals, "runs-extract");
  writeJsonAtomic(values.out, runsExtract(values.source!, runs));
  console.log(`wrote ${values.out}: ${runs.length} runs`);
}
