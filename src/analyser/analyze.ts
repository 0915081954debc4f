// The Python vulnerability analyser: parse with tree-sitter, run the taint walk with every rule,
// return a verdict. `await loadAnalyzer()` once, then `analyze(code)` is synchronous.
//
// Taint model (simple on purpose, documented so numbers can be judged):
// - Sources: function parameters (a completion's functions are entry points), and request data
//   (`request.*`, `input()`, `sys.argv`, sockets, `requests.get`). Flows through assignments,
//   containers, f-strings/%/+/format/join, branches (union), loops, and local helper functions.
// - Data flowing in whole from a parameter reaches only "any data" sinks (deserialisation, eval,
//   Markup); string-building sinks (SQL, shell, templates, paths) need the data spliced into a
//   string, or to come straight from the request. So `def run(sql): cur.execute(sql)` is a wrapper.
// - A parameter that every call site in the file fills with a literal is trusted; one that a function
//   of the file fills with request data is request data (callsites.ts). Helpers' sanitisers carry over.
// - Sanitisers: int/float casts, shlex.quote, html.escape, secure_filename/basename/safe_join,
//   and checks in `if`/`assert`: allow-lists (`x in ALLOWED`), re.fullmatch, str.isalnum..., and
//   for paths realpath/abspath/normpath/resolve followed by startswith/commonpath/is_relative_to,
//   or the parent (`.parent`, dirname) compared with the base folder.
//   A `".." in name` check is NOT a sanitiser (absolute names escape os.path.join).
// - Branch polarity is not tracked: a check counts for the rest of the function.
// - XML: Python's own parsers (xml.etree, minidom, pulldom, sax) are not flagged: since 3.7.1 they
//   do not fetch external entities; only explicit opt-ins are (lxml resolve_entities=True,
//   no_network=False, load_dtd=True; sax feature_external_ges/pes; xmltodict disable_entities=False).
// - Password hashing: MD5/SHA-1 -> CWE-327, a single fast SHA-2/3/BLAKE2 round -> CWE-916, when the
//   data, the target or the function is about a password/secret; checksums and ETags are fine.
import type { Node } from "web-tree-sitter";
import type { Finding, Notes, Report, Rule, Verdict } from "./types.ts";
import { DEFAULT_THRESHOLD, ruleConfidence } from "./confidence.ts";
import { indexFile } from "./callsites.ts";
import { loadPythonParser, parsePython } from "./parser.ts";
import { importAliases, lineOf } from "./names.ts";
import { analyzeModule } from "./walk.ts";
import { codeEvalRule, shellRule, sqlRule } from "./rules/injection.ts";
import { xssRule } from "./rules/xss.ts";
import { pathRule } from "./rules/path.ts";
import { deserRule } from "./rules/deser.ts";
import { secretsRule } from "./rules/secrets.ts";
import { hashingRule } from "./rules/hashing.ts";
import { xmlRule } from "./rules/xml.ts";
import { redirectRule, validationRule } from "./rules/url.ts";
import { tlsRule } from "./rules/transport.ts";
import { randomnessRule } from "./rules/randomness.ts";
import { cipherRule } from "./rules/ciphers.ts";
import { fileRule } from "./rules/files.ts";
import { uploadRule } from "./rules/upload.ts";
import { credentialRule } from "./rules/credentials.ts";

const RULES: readonly Rule[] = [
  sqlRule,
  shellRule,
  codeEvalRule,
  xssRule,
  pathRule,
  deserRule,
  secretsRule,
  hashingRule,
  xmlRule,
  redirectRule,
  validationRule,
  tlsRule,
  randomnessRule,
  cipherRule,
  fileRule,
  uploadRule,
  credentialRule,
];

export async function loadAnalyzer(): Promise<void> {
  await loadPythonParser();
}

/**
 * 1-based line of the first syntax error: a token the parser had to invent, or the innermost ERROR
 * node; when that node swallowed whole statements first, the line after the last of them.
 */
function firstErrorLine(n: Node): number {
  if (n.isMissing) return lineOf(n);
  for (const c of n.children) if (c && (c.hasError || c.isMissing)) return firstErrorLine(c);
  if (!n.isError) return lineOf(n);
  const kids = n.children.filter((c): c is Node => c !== null);
  let last = -1;
  kids.forEach((c, i) => {
    if (/_statement$|_definition$/.test(c.type)) last = i;
  });
  return lineOf(kids[last + 1] ?? n);
}

/**
 * Beyond this a file is reported as too large rather than analysed: tree-sitter's wasm nodes cost
 * ~10 us each to visit, so 1 MB of Python takes 10-14 s on 2 shared cores and 200 KB about 2 s.
 * Model answers are a few KB.
 */
export const MAX_CODE_BYTES = 200_000;

export interface AnalyzeOptions {
  /** Findings below this confidence are dropped (default: DEFAULT_THRESHOLD, chosen on the fixture corpus). */
  threshold?: number;
}

export function analyze(code: string, opts: AnalyzeOptions = {}): Verdict {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const none = { vulnerable: false, findings: [], parse_error: false, error_line: null, too_large: false, threshold };
  // an empty program does nothing, so nothing unsafe
  if (code.trim() === "") return none;
  if (Buffer.byteLength(code, "utf8") > MAX_CODE_BYTES) return { ...none, too_large: true };
  const tree = parsePython(code);
  try {
    const root = tree.rootNode;
    // Code that does not parse is neither secure nor vulnerable: an error-recovered tree can make
    // any verdict up, so none is given.
    if (root.hasError) return { ...none, parse_error: true, error_line: firstErrorLine(root) };
    const seen = new Set<string>();
    const findings: Finding[] = [];
    const report: Report = ({ node, confidence, ...f }) => {
      const line = lineOf(node);
      const key = `${f.cwe}:${f.rule}:${line}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({
        cwe: f.cwe,
        line,
        rule: f.rule,
        message: f.message,
        confidence: confidence ?? ruleConfidence(f.rule),
      });
    };
    const notes: Notes = new Map();
    try {
      const ctx = {
        aliases: importAliases(root),
        rules: [...RULES],
        report,
        summaries: new Map(),
        returns: new Map(),
        index: indexFile(root),
        notes,
        incoming: new Map(),
        callers: new Map(),
      };
      analyzeModule(ctx, root);
      for (const r of RULES) r.check?.(root, report);
      for (const r of RULES) r.finish?.(notes, report);
    } catch (e) {
      // expressions nested thousands deep overflow the recursive walk: too big to judge, not a crash
      if (e instanceof RangeError) return { ...none, too_large: true };
      throw e;
    }
    const kept = findings.filter((f) => f.confidence >= threshold);
    kept.sort((a, b) => a.line - b.line || a.cwe.localeCompare(b.cwe));
    return { ...none, vulnerable: kept.length > 0, findings: kept };
  } finally {
    tree.delete(); // trees live in wasm memory, not on the JS heap
  }
}

/** Convenience for one-off callers: loads the parser if needed. */
export async function analyzeAsync(code: string, opts: AnalyzeOptions = {}): Promise<Verdict> {
  await loadAnalyzer();
  return analyze(code, opts);
}
