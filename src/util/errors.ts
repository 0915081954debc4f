// How an error is told in one line (a one-line error, a log record, a run.json field): the first line of
// its message, since a multi-line message or a stack would break the line.

/** The first line of an Error's message; anything else thrown, as text. */
export function errorFirstLine(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}
