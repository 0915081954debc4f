// One real run of experiments/tiny.yaml for the end-to-end tests (not a test file): the config with the
// test's --set overrides, quiet progress, no report; returns the runner's outcome and results.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig, type ExperimentConfig } from "../../src/experiment/config.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import type { Results } from "../../src/results/types.ts";
import { Progress } from "../../src/util/progress.ts";

export async function runTiny(
  dir: string,
  sets: string[],
): Promise<{ ran: string[]; results: Results; config: ExperimentConfig }> {
  const config = parseConfig(readFileSync("experiments/tiny.yaml", "utf8"), "tiny.yaml", sets);
  const out = await runExperiment({
    config,
    outDir: dir,
    origin: "tiny.yaml",
    report: false,
    progress: new Progress("test", process.stderr, true),
    command: ["test"],
  });
  const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;
  return { ran: out.ran, results, config };
}
