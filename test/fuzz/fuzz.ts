// Helpers for the fuzz tests (not a test file): mutations of valid inputs, the "one-line error or a
// valid result" check every reader must pass, and a case counter printed in the test output.
import fc from "fast-check";
import type { TestContext } from "node:test";

/** Edits applied to a valid text: delete, insert, replace, duplicate a slice, truncate. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant("del" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant("ins" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(
        "\n",
        ":",
        "{",
        "}",
        "[",
        "]",
        '"',
        "\\",
        ",",
        "-",
        "#",
        "\u0000",
        "\uFFFD",
        "é",
        "𝔘",
        "null",
        "1e999",
        "-1",
      ),
    ),
  }),
  fc.record({ kind: fc.constant("dup" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case "del":
      return text.slice(0, at) + text.slice(at + e.len);
    case "ins":
      return text.slice(0, at) + e.text + text.slice(at);
    case "dup":
      return text.slice(0, at) + text.slice(at, at + e.len) + text.slice(at);
    case "cut":
      return text.slice(0, at);
  }
}

/** A valid text with 1-4 random edits. */
export const mutatedText = (valid: string) =>
  fc.array(edit, { minLength: 1, maxLength: 4 }).map((es) => es.reduce(apply, valid));

/** Bytes with 1-6 random byte flips, insertions or a truncation. */
export const mutatedBytes = (valid: Uint8Array) =>
  fc
    .array(
      fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom("set", "ins", "cut") }),
      { minLength: 1, maxLength: 6 },
    )
    .map((es) => {
      let b = Array.from(valid);
      for (const e of es) {
        const at = b.length === 0 ? 0 : e.at % b.length;
        if (e.kind === "set") b[at] = e.byte;
        else if (e.kind === "ins") b.splice(at, 0, e.byte);
        else b = b.slice(0, at);
      }
      return Uint8Array.from(b);
    });

/** Errors that mean a reader crashed instead of refusing the input. */
const CRASHES = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * Run `fn`; a result passes, an error passes when it is a one-line message of the reader's own (not a
 * TypeError from reading a property of undefined, a raw JSON SyntaxError, a stack overflow ...).
 */
export function oneLineOrValid<T>(fn: () => T, check?: (v: T) => void): "ok" | "error" {
  let v: T;
  try {
    v = fn();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`threw a non-Error: ${String(e)}`, { cause: e });
    if (CRASHES.some((C) => e.constructor === C))
      throw new Error(`crashed with ${e.constructor.name}: ${e.message}`, { cause: e });
    if (e.message.trim() === "" || e.message.includes("\n"))
      throw new Error(`error is not one line: ${JSON.stringify(e.message)}`, { cause: e });
    return "error";
  }
  check?.(v);
  return "ok";
}

/** Counts outcomes of one fuzz target and prints them as a test diagnostic. */
export class Cases {
  ok = 0;
  errors = 0;
  constructor(private readonly name: string) {}
  add(r: "ok" | "error"): void {
    if (r === "ok") this.ok++;
    else this.errors++;
  }
  report(t: TestContext): void {
    t.diagnostic(
      `fuzz ${this.name}: ${this.ok + this.errors} cases (${this.ok} valid results, ${this.errors} one-line errors)`,
    );
  }
}
