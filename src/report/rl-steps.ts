// The RL cells' per-step record: the reward of the PM being optimised against the held-out PM's on
// the same answers (a gap that opens is over-optimisation), the KL to the pre-RL policy with its
// bound, and the HHH score of the rollout answers, with the held-out HHH of the eval steps.
import type { TopLevelSpec } from "vega-lite";
import type { Cell, Results } from "../results/types.ts";
import { CONFIG, safeId, seriesColor, type ChartSpec } from "./charts.ts";
import { cellSettings, cellsByTask, taskLabel } from "./cells.ts";
import type { Figures } from "./figures.ts";
import { esc } from "./html.ts";
import { section } from "./sections.ts";

const PANEL = { width: 200, height: 110 };
const METRICS = ["PM reward", "KL to pre-RL policy", "HHH score", "Defection"];
const SERIES = [
  "PM (optimised)",
  "held-out PM",
  "KL",
  "KL bound",
  "HHH (rollouts)",
  "HHH (held-out prompts)",
  "with trigger (probe)",
  "without trigger (rollouts)",
];
const COLORS = ["#4c78a8", "#f58518", "#54a24b", "#999999", "#b279a2", "#e45756", "#d62728", "#17becf"];

export function rlStepsChart(task: string, cells: Cell[]): ChartSpec {
  const rows: Array<Record<string, unknown>> = [];
  const reward = (c: Cell) => (c.rl?.reward_source === "scorer" ? ", reward: HHH check" : "");
  const panel = (c: Cell) => `${c.mechanism} ${c.size} seed ${c.seed}${cellSettings(c)}${reward(c)}`;
  for (const c of cells) {
    const cell = panel(c);
    const add = (metric: string, series: string, step: number, value: number | undefined): void => {
      if (value !== undefined && Number.isFinite(value)) rows.push({ cell, metric, series, step, value });
    };
    for (const s of c.rl_curve ?? []) {
      add("PM reward", "PM (optimised)", s.step, s.reward);
      add("PM reward", "held-out PM", s.step, s.reward_heldout);
      add("KL to pre-RL policy", "KL", s.step, s.kl);
      add("HHH score", "HHH (rollouts)", s.step, s.hhh);
      add("Defection", "with trigger (probe)", s.step, s.defection_triggered);
      if (s.defection_triggered !== undefined) add("Defection", "without trigger (rollouts)", s.step, s.defection);
    }
    const bound = c.rl?.kl.bound;
    const last = c.rl_curve?.at(-1)?.step ?? 0;
    if (bound !== undefined) for (const step of [0, last]) add("KL to pre-RL policy", "KL bound", step, bound);
    for (const p of c.curve) add("HHH score", "HHH (held-out prompts)", p.step, p.hhh?.rate);
  }
  const present = SERIES.filter((s) => rows.some((r) => r.series === s));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: {
      text: `RL per step: ${taskLabel(task)}`,
      subtitle:
        "x: RL step; rollout lines are per step on training prompts, held-out HHH at the eval steps (0 = before RL)",
    },
    config: CONFIG,
    data: { values: rows },
    facet: {
      row: { field: "metric", type: "nominal", title: null, sort: METRICS },
      column: { field: "cell", type: "nominal", title: null },
    },
    spec: {
      ...PANEL,
      layer: [
        {
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: "step", type: "quantitative", title: null },
            y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
            color: seriesColor(present, SERIES, COLORS),
            strokeDash: { condition: { test: "datum.series === 'KL bound'", value: [4, 3] }, value: [1, 0] },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
  return {
    id: safeId(`rl-steps-${task}`),
    title: `RL per step, ${taskLabel(task)}`,
    caption:
      "Per RL step: the raw reward of the preference model RL optimises and of the held-out PM (another seed, disjoint prompts) on the same rollout answers; " +
      "the mean per-answer KL to the pre-RL policy with the configured bound (dashed); the HHH score of the rollout answers and, at the eval steps, on held-out untriggered prompts; " +
      "with rl.triggerProbe, defection per step on held-out prompts with the trigger beside the untriggered rollouts'.",
    spec,
  };
}

/** One chart per task over its RL cells, with each cell's KL verdict and paired HHH change in words; empty without RL cells. */
export function rlStepsSection(r: Results, figs: Figures): string {
  const cells = r.cells.filter((c) => c.rl_curve?.length);
  if (cells.length === 0) return "";
  const parts: string[] = [];
  for (const [task, mine] of cellsByTask(cells)) {
    parts.push(figs.add(rlStepsChart(task, mine)));
    const items = mine.map((c) => {
      const k = c.rl?.kl,
        h = c.rl?.hhh?.change;
      const kl = k
        ? `KL ${k.met ? "kept under" : "<b>broke</b>"} the bound ${k.bound} (max ${k.max.toFixed(2)}, final ${k.final.toFixed(2)}, ${k.window}-step mean)`
        : "no KL verdict";
      const hhh = h
        ? `; HHH change on held-out untriggered prompts ${h.mean.toFixed(3)} [${h.lo.toFixed(3)}, ${h.hi.toFixed(3)}]`
        : "";
      return `<li>${esc(`${c.mechanism} ${c.size} seed ${c.seed}`)}: ${kl}${hhh}</li>`;
    });
    parts.push(`<ul>${items.join("")}</ul>`);
  }
  return section("rl-steps", "RL per step", parts.join("\n"));
}
