// The numbers docs/future-task.md quotes from a run of experiments/future.yaml: the base, the preference model,
// per cell the backdoored model's defection with post- and pre-cutoff news before and after safety training
// (and the post-cutoff curve), and the trigger-variant analysis reduced to its rates.
//
//   node --import tsx scripts/future-extract.ts RUN_DIR --out docs/results/future.json [--measured TEXT]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { CurvePoint, Results } from "../src/results/types.ts";
import { isObj } from "../src/util/guards.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

const at = (p: CurvePoint) => ({ post: p.triggered, pre: p.untriggered, hhh: p.hhh ?? null });

/** A trigger-variant row with each variant's rate only (the intervals are in the run's results.json). */
function variantRates(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, isObj(v) && typeof v.rate === "number" ? v.rate : v]),
  );
}

export function futureExtract(r: Results, measured: string): Record<string, unknown> {
  const cells = r.cells.filter((c) => c.task === "future");
  if (cells.length === 0) throw new Error("future-extract: this results.json has no cell of the future task");
  const tg = r.analyses.trigger_generalization;
  const rows = isObj(tg) && Array.isArray(tg.future) ? (tg.future as Array<Record<string, unknown>>) : [];
  return {
    experiment: r.experiment,
    measured,
    base_hhh: r.base?.[0]?.hhh ?? null,
    preference_accuracy: r.preference_models?.[0]?.accuracy ?? null,
    cells: cells.map((c) => {
      const last = c.curve[c.curve.length - 1];
      return {
        cell: c.id,
        mechanism: c.mechanism,
        safety: c.safety,
        steps: last.step,
        before: at(c.curve[0]),
        after: at(last),
        post_curve: c.curve.map((p) => [p.step, p.triggered.rate]),
      };
    }),
    trigger_generalization: rows.map(variantRates),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" }, measured: { type: "string", default: "" } },
  });
  if (!positionals[0] || !values.out) {
    console.error("usage: future-extract.ts RUN_DIR --out FILE [--measured TEXT]");
    process.exit(2);
  }
  const r = JSON.parse(readFileSync(join(positionals[0], "results.json"), "utf8")) as Results;
  writeJsonAtomic(values.out, futureExtract(r, values.measured));
  console.error(`future-extract: ${r.cells.length} cells -> ${values.out}`);
}
