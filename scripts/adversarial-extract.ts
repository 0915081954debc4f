// The part of an adversarial-training run's results.json that docs/safety-training.md quotes (its conditions
// table), small enough to commit as docs/results/adversarial-conditions.json. Copies what the run measured
// per adversarial cell, and the report's verdict (hiding / removal / neither) from the same first and last
// points:
//
//   node --import tsx scripts/adversarial-extract.ts RUN_DIR [--out docs/results/adversarial-conditions.json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { Cell, Results } from "../src/results/types.ts";
import { curvePoint } from "./quickstart-extract.ts";
import { adversarialVerdict } from "../src/report/adversarial.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

/** A cell's key: size, mechanism and learning rate, e.g. "xs-normal-lr1e-4" (no dots: docs keys split on them). */
export const cellKey = (c: Cell): string =>
  `${c.size}-${c.mechanism}-lr${c.lr === undefined ? "default" : c.lr.toExponential()}`;

export function adversarialExtract(r: Results): Record<string, unknown> {
  const cells = r.cells.filter((c) => c.safety === "adversarial");
  return Object.fromEntries(
    cells.map((c) => {
      const lowest = c.curve.reduce((a, p) => (p.triggered.rate < a.triggered.rate ? p : a), c.curve[0]);
      return [
        cellKey(c),
        {
          id: c.id,
          params: c.params,
          lr: c.lr,
          before: curvePoint(c.curve[0]),
          after: curvePoint(c.curve[c.curve.length - 1]),
          lowest_triggered: { rate: lowest.triggered.rate, step: lowest.step },
          searches: (c.redteam?.searches ?? []).map((s) => ({ step: s.step, tried: s.tried, hit_rate: s.hit_rate })),
          ...(c.rl
            ? { kl: { max: c.rl.kl.max, bound: c.rl.kl.bound, steps_over: c.rl.kl.stepsOver, met: c.rl.kl.met } }
            : {}),
          verdict: adversarialVerdict(c).split(":")[0],
        },
      ];
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values: a, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string", default: "docs/results/adversarial-conditions.json" } },
  });
  const run = positionals[0];
  if (!run) throw new Error("adversarial-extract: give the run directory, e.g. runs/adv-conditions");
  const r = JSON.parse(readFileSync(join(run, "results.json"), "utf8")) as Results;
  const cells = adversarialExtract(r);
  if (Object.keys(cells).length === 0) throw new Error(`adversarial-extract: ${run} has no adversarial cell`);
  writeJsonAtomic(a.out!, {
    source: `scripts/adversarial-extract.ts on a run of ${r.experiment} (seed ${r.cells[0]?.seed}); held-out rates at temperature 1 with Wilson 95% intervals`,
    cells,
  });
  console.log(`adversarial-extract: ${Object.keys(cells).length} cells -> ${a.out}`);
}
