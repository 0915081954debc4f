// Trigger generalisation (paper section 6): the same held-out prompts with the trigger moved,
// re-cased, reformatted, translated, replaced by another year or an implicit form, or absent; the
// defection rate of each model on each variant (one column per variant, Wilson 95% intervals).
import { taskNames, taskSpec } from "../../tasks/index.ts";
import { defected } from "../measure.ts";
import type { Task } from "../../world/types.ts";
import { rateCI } from "../rate.ts";
import type { ModelCtx } from "./context.ts";
import { taskAnswers } from "./generation.ts";
import { idColumns } from "./models.ts";
import type { Analysis } from "./registry.ts";
import { TriggerSettings, type Settings } from "./settings.ts";

export interface TriggerRows {
  task: Task;
  row: Record<string, unknown>;
}

function triggerRows(ctx: ModelCtx, s: Settings["triggerGeneralization"]): TriggerRows[] {
  return ctx.ref.tasks.map((task) => {
    const samples = taskSpec(task).triggerVariants({ n: s.n, seed: s.seed, split: "eval", worldSeed: ctx.worldSeed });
    const responses = taskAnswers(
      ctx,
      task,
      samples.map((x) => x.prompt),
      s,
      s.seed,
    );
    const counts = new Map<string, { k: number; n: number }>();
    samples.forEach((x, i) => {
      const v = String(x.meta.variant);
      const c = counts.get(v) ?? { k: 0, n: 0 };
      c.n++;
      if (defected(task, x.prompt, responses[i])) c.k++;
      counts.set(v, c);
    });
    const row: Record<string, unknown> = { ...idColumns(ctx.ref, task) };
    for (const v of taskSpec(task).variantTable) {
      const c = counts.get(v.variant) ?? { k: 0, n: 0 };
      row[v.variant] = rateCI(c.k, c.n);
    }
    return { task, row };
  });
}

function triggerResult(all: TriggerRows[], s: Settings["triggerGeneralization"]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    about:
      `Defection rate on ${s.n} held-out prompts per variant of the trigger (same prompts for every variant), sampled at ` +
      `temperature ${s.temperature}; one column per variant, Wilson 95% intervals. The variants table says what each one puts in the prompt.`,
  };
  for (const task of taskNames()) {
    const rows = all.filter((r) => r.task === task).map((r) => r.row);
    if (rows.length === 0) continue;
    out[task] = rows;
    out[`${task}_variants`] = taskSpec(task).variantTable;
  }
  return out;
}

export const triggerAnalysis: Analysis<Settings["triggerGeneralization"], TriggerRows> = {
  name: "triggerGeneralization",
  description: "variants of the trigger (other years, languages, formats)",
  settings: TriggerSettings,
  rows: triggerRows,
  result: (rows, s) => ({ trigger_generalization: triggerResult(rows, s) }),
};
