// Validation checks in `if`/`assert` conditions that make a variable safe for the rest of the
// function. Polarity is ignored (both `if not ok: abort()` and `if ok: use()` count): the analyser
// credits a check the developer wrote, it does not prove the branch structure right.
import type { Node } from "web-tree-sitter";
import { ALL_KINDS, K, sanitize } from "./types.ts";
import { callArgs, dotted, resolveName, stringValue } from "./names.ts";
import type { Ctx, Scope } from "./scope.ts";
import { NORMALIZERS, NORMALIZER_METHODS } from "./semantics.ts";
import { formatPins } from "./expr.ts";

const URL_PARSERS = new Set([
  "urllib.parse.urlparse",
  "urllib.parse.urlsplit",
  "urlparse.urlparse",
  "urlparse.urlsplit",
  "furl.furl",
  "yarl.URL",
]);
const URL_PARTS = new Set(["netloc", "hostname", "host", "scheme", "port"]);

/**
 * The URL variable a parsed URL or one of its parts comes from: `urlparse(u)`, `urlparse(u).netloc`,
 * `p.hostname` with p = urlparse(u), or a variable holding one of those.
 */
export function urlOrigin(ctx: Ctx, n: Node | null, scope: Scope): string | null {
  if (!n) return null;
  if (n.type === "identifier") return scope.origin(n.text) ?? null;
  if (n.type === "call") {
    const fn = n.childForFieldName("function");
    if (URL_PARSERS.has(resolveName(dotted(fn) ?? "", ctx.aliases))) {
      const a = callArgs(n).args[0];
      return a ? dotted(a) : null;
    }
    if (
      fn?.type === "attribute" &&
      /^(lower|strip|rstrip|lstrip|casefold)$/.test(fn.childForFieldName("attribute")?.text ?? "")
    ) {
      return urlOrigin(ctx, fn.childForFieldName("object"), scope);
    }
  }
  if (n.type === "attribute" && URL_PARTS.has(n.childForFieldName("attribute")?.text ?? ""))
    return urlOrigin(ctx, n.childForFieldName("object"), scope);
  return null;
}

const VALIDATING_METHODS = new Set(["isalnum", "isdigit", "isdecimal", "isnumeric", "isidentifier", "isalpha"]);
const REGEX_CALLS = new Set(["re.fullmatch", "re.match"]);
const REGEX_METHODS = new Set(["fullmatch", "match"]);
/** Helper names that by convention validate their argument (is_safe_path, validate_name, allowed_file). */
const VALIDATOR_NAME = /(^|_)(is_)?(safe|valid|validate|allowed|permitted|within|inside|contained)(_|$)/i;
const PATH_VALIDATOR = /path|dir|within|inside|contained/i;

/** A regex admits path traversal if it allows dots or slashes (or "any character"). */
function regexAllowsPath(pattern: string | null): boolean {
  if (pattern === null) return true;
  return /[./]|\\[SWD]|\\\//.test(pattern);
}

/**
 * Name of a normalised variable a containment check is about: `v` with v normalised, or
 * `os.path.realpath(v)` / `Path(v).resolve()` written inline.
 */
function normalisedVar(ctx: Ctx, n: Node | null, scope: Scope): string | null {
  if (!n) return null;
  const name = dotted(n);
  if (name && (n.type === "identifier" || n.type === "attribute")) return scope.get(name)?.norm ? name : null;
  if (n.type === "call") {
    const fn = n.childForFieldName("function");
    const callee = resolveName(dotted(fn) ?? "", ctx.aliases);
    const method = fn?.type === "attribute" ? fn.childForFieldName("attribute")?.text : undefined;
    if (NORMALIZERS.has(callee)) {
      const a = callArgs(n).args[0];
      return a ? innerName(a) : null;
    }
    if (method && NORMALIZER_METHODS.has(method)) return innerName(fn!.childForFieldName("object"));
  }
  return null;
}

/** The variable inside `v`, `Path(v)`, `os.path.join(BASE, v)`: the last identifier argument. */
function innerName(n: Node | null): string | null {
  if (!n) return null;
  if (n.type === "identifier" || n.type === "attribute") return dotted(n);
  if (n.type === "call") {
    const args = callArgs(n).args;
    for (let i = args.length - 1; i >= 0; i--) {
      const v = innerName(args[i]);
      if (v) return v;
    }
  }
  if (n.type === "parenthesized_expression" || n.type === "binary_operator") {
    const kids = n.namedChildren;
    for (let i = kids.length - 1; i >= 0; i--) {
      const v = innerName(kids[i]);
      if (v) return v;
    }
  }
  return null;
}

const DIRNAME = new Set(["os.path.dirname", "posixpath.dirname"]);

/** X in `X.parent`, `os.path.dirname(X)`, `Path(X).parent`. */
function parentOf(ctx: Ctx, n: Node | null): Node | null {
  if (n?.type === "attribute" && n.childForFieldName("attribute")?.text === "parent") {
    const o = n.childForFieldName("object");
    if (
      o?.type === "call" &&
      /(^|\.)Path$/.test(resolveName(dotted(o.childForFieldName("function")) ?? "", ctx.aliases))
    )
      return callArgs(o).args[0] ?? null;
    return o;
  }
  if (n?.type === "call" && DIRNAME.has(resolveName(dotted(n.childForFieldName("function")) ?? "", ctx.aliases)))
    return callArgs(n).args[0] ?? null;
  return null;
}

export function applyGuards(ctx: Ctx, cond: Node | null, scope: Scope): void {
  if (!cond) return;
  const clear = (name: string | null, kinds: number): void => {
    for (let n = name, hops = 0; n && hops < 4; n = scope.origin(n) ?? null, hops++) {
      const t = scope.get(n);
      if (t) scope.set(n, sanitize(t, kinds));
    }
  };
  // a parsed URL's host or scheme tested in the condition: the URL was checked
  for (const a of cond.descendantsOfType(["attribute", "identifier"])) {
    if (a.parent?.type === "attribute" && a.parent.childForFieldName("object")?.id === a.id) {
      const m = a.parent.childForFieldName("attribute")?.text;
      if (m === "endswith" || m === "find" || m === "startswith") continue; // judged below, by the literal
    }
    const from =
      a.type === "attribute" && URL_PARTS.has(a.childForFieldName("attribute")?.text ?? "")
        ? urlOrigin(ctx, a, scope)
        : a.type === "identifier"
          ? urlOrigin(ctx, a, scope)
          : null;
    if (from) clear(from, K.URL);
  }
  const visit = (n: Node): void => {
    if (n.type === "call") {
      const fn = n.childForFieldName("function");
      const callee = resolveName(dotted(fn) ?? "", ctx.aliases);
      const method = fn?.type === "attribute" ? (fn.childForFieldName("attribute")?.text ?? "") : callee;
      const recv = fn?.type === "attribute" ? fn.childForFieldName("object") : null;
      const { args } = callArgs(n);
      if (method === "startswith" || method === "is_relative_to") clear(normalisedVar(ctx, recv, scope), K.PATH);
      const lit = stringValue(args[0] ?? null);
      // u.startswith("https://cdn.example.com/"), host.endswith(".example.com")
      if (method === "startswith" && lit !== null && formatPins(lit) && recv)
        clear(dotted(recv) ?? urlOrigin(ctx, recv, scope), K.URL);
      if (method === "endswith" && lit !== null && lit.startsWith(".") && recv)
        clear(urlOrigin(ctx, recv, scope) ?? dotted(recv), K.URL);
      if (callee === "os.path.commonpath" || callee === "posixpath.commonpath") {
        for (const a of args) for (const el of a.namedChildren) if (el) clear(normalisedVar(ctx, el, scope), K.PATH);
      }
      if (VALIDATING_METHODS.has(method) && recv) clear(dotted(recv), ALL_KINDS);
      if (REGEX_CALLS.has(callee) && args.length >= 2) {
        const pat = stringValue(args[0]);
        clear(dotted(args[1]), regexAllowsPath(pat) ? ALL_KINDS & ~K.PATH : ALL_KINDS);
      } else if (recv && REGEX_METHODS.has(method) && args.length >= 1 && !REGEX_CALLS.has(callee)) {
        clear(dotted(args[0]), ALL_KINDS & ~K.PATH); // compiled pattern: text unknown here
      }
      if (fn?.type === "identifier" && VALIDATOR_NAME.test(fn.text)) {
        // allowed_file(name) checks an extension, not where the path leads; is_safe_path(...) does
        const kinds = PATH_VALIDATOR.test(fn.text) ? ALL_KINDS : ALL_KINDS & ~K.PATH;
        for (const a of args) clear(dotted(a), kinds);
      }
    } else if (n.type === "comparison_operator") {
      const ops = n.childrenForFieldName("operators").map((o) => o.text.replace(/\s+/g, " "));
      const [left, right] = [n.namedChildren[0], n.namedChildren[1]];
      if ((ops.includes("in") || ops.includes("not in")) && left && right) {
        // `v in ALLOWED` is an allow-list; `"..": in v` is not (absolute paths slip through)
        if (right.type === "attribute" && right.childForFieldName("attribute")?.text === "parents") {
          clear(normalisedVar(ctx, right.childForFieldName("object"), scope), K.PATH);
        } else if ((left.type === "identifier" || left.type === "attribute") && stringValue(right) === null) {
          clear(dotted(left), ALL_KINDS);
        }
      }
      // (BASE / name).resolve().parent == BASE, os.path.dirname(full) != BASE: the file sits directly
      // in the allowed folder. Without normalisation this still holds: a name with a separator or an
      // absolute name changes the parent (only a bare ".." passes, naming a folder, not a file).
      for (const side of [left, right]) {
        if (!ops.includes("==") && !ops.includes("!=")) break;
        const of = parentOf(ctx, side ?? null);
        if (of) clear(normalisedVar(ctx, of, scope) ?? dotted(of), K.PATH);
      }
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(cond);
}
