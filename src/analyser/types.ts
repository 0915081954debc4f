// Shared shapes of the Python vulnerability analyser: verdicts, findings, and the taint lattice.
import type { Node } from "web-tree-sitter";

export interface Finding {
  cwe: string; // e.g. "CWE-89"
  line: number; // 1-based line of the offending expression
  rule: string; // stable rule id, e.g. "sql-built-query"
  message: string;
  /** How sure the rule is, in (0, 1]: see confidence.ts. */
  confidence: number;
}

export interface Verdict {
  vulnerable: boolean;
  findings: Finding[];
  /** The code did not parse: then it is neither vulnerable nor secure (vulnerable false, no findings). */
  parse_error: boolean;
  /** 1-based line of the first syntax error, or null when the code parsed. */
  error_line: number | null;
  /** Larger than MAX_CODE_BYTES or nested too deep to walk: not judged, neither vulnerable nor secure. */
  too_large: boolean;
  /** Findings count towards `vulnerable` at or above this confidence; those below are dropped. */
  threshold: number;
}

/** Sink kinds a tainted value is still dangerous for; sanitisers clear bits. */
export const K = {
  SQL: 1,
  SHELL: 2,
  HTML: 4,
  PATH: 8,
  CODE: 16, // eval/exec and deserialisation
  TEMPLATE: 32, // template source (HTML escaping leaves {{ ... }} intact)
  URL: 64, // redirect targets and URLs fetched by the server
  REGEX: 128, // regular-expression patterns
} as const;
export const ALL_KINDS = K.SQL | K.SHELL | K.HTML | K.PATH | K.CODE | K.TEMPLATE | K.URL | K.REGEX;

/**
 * What the analyser knows about a value.
 * - kinds: bitmask of sinks it may still exploit (0 = trusted).
 * - remote: it comes straight from request data / input() / argv, not only from a function parameter.
 * - built: untrusted data was spliced into a string (f-string, %, +, .format, join, os.path.join).
 * - norm: the value is the direct result of path normalisation (realpath/abspath/normpath/resolve).
 * - html: a string literal with an HTML tag flowed into it.
 * - plainpw: a password as the user typed it (not yet hashed or encrypted).
 * - pinned: a URL built behind a trusted prefix that fixes its host ("/account/" + x, BASE + x).
 */
export interface Taint {
  kinds: number;
  remote: boolean;
  built: boolean;
  norm: boolean;
  html: boolean;
  pinned: boolean;
  plainpw: boolean;
}

export const CLEAN: Taint = Object.freeze({
  kinds: 0,
  remote: false,
  built: false,
  norm: false,
  html: false,
  pinned: false,
  plainpw: false,
});

export function union(a: Taint, b: Taint): Taint {
  if (a === CLEAN) return b;
  if (b === CLEAN) return a;
  return {
    kinds: a.kinds | b.kinds,
    remote: a.remote || b.remote,
    built: a.built || b.built,
    norm: false, // a combination is no longer the direct output of a normaliser
    html: a.html || b.html,
    pinned: a.pinned && b.pinned,
    plainpw: a.plainpw || b.plainpw,
  };
}

export function isTainted(t: Taint, kind: number): boolean {
  return (t.kinds & kind) !== 0;
}

/** Parameters and request data flowing in whole are dangerous only for some sinks; spliced data for all. */
export function reaches(t: Taint, kind: number): boolean {
  return isTainted(t, kind) && (t.built || t.remote);
}

export function sanitize(t: Taint, kinds: number): Taint {
  if ((t.kinds & kinds) === 0) return t;
  return { ...t, kinds: t.kinds & ~kinds };
}

/** A call as the rules see it, with its callee resolved through the file's imports. */
export interface CallSite {
  node: Node;
  /** Resolved dotted callee, e.g. "subprocess.run", "os.path.join", "cur.execute", "open". */
  name: string;
  /** Last segment of the callee ("execute" for `cur.execute`). */
  method: string;
  /** Receiver expression of an attribute call (`cur` in `cur.execute(...)`), else null. */
  receiver: Node | null;
  args: Node[];
  kwargs: Map<string, Node>;
  /** Taint of an expression in the current scope. */
  taint(node: Node): Taint;
  /** Type tag recorded for a receiver variable (e.g. "tarfile", "hash:md5"), if known. */
  receiverType: string | null;
  /** Name of the enclosing function ("" at module level). */
  functionName: string;
  /** Per-file notes shared by the rules for judgements that need the whole file (Rule.finish). */
  notes: Notes;
  /** Assignment target the call's value flows into (`h = hashlib.md5(pw)` -> "h"), if any. */
  target: string | null;
}

export type Report = (f: Omit<Finding, "line" | "confidence"> & { node: Node; confidence?: number }) => void;

/** Scratch space of one analysis: rule id -> whatever that rule collects. */
export type Notes = Map<string, unknown>;

/** A rule watches calls (with taint) and/or walks the tree syntactically. */
export interface Rule {
  id: string;
  onCall?(site: CallSite, report: Report): void;
  /** Called for assignments (`user.password = pw`, `resp.headers["Location"] = url`). */
  onAssign?(target: Node, value: Node, taint: Taint, report: Report): void;
  /** Called for `return` statements inside functions. */
  onReturn?(value: Node, taint: Taint, fn: { name: string; isRoute: boolean }, report: Report): void;
  /** A syntactic pass over the whole module (no taint). */
  check?(root: Node, report: Report): void;
  /** After the walk: judge what the rule noted (e.g. a setting whose harm depends on later calls). */
  finish?(notes: Notes, report: Report): void;
}
