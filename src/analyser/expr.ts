// Taint of Python expressions. Every call met on the way is shown to the rules (sinks), so each
// expression must be evaluated exactly once per statement.
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Taint } from "./types.ts";
import { sinkConfidence } from "./confidence.ts";
import { positionalParams } from "./callsites.ts";
import { ALL_KINDS, CLEAN, K, sanitize, union } from "./types.ts";
import { callArgs, dotted, resolveName } from "./names.ts";
import type { Ctx, Scope } from "./scope.ts";
import {
  BUILDERS,
  BUILDER_METHODS,
  CLEAN_CALLS,
  CLEAN_METHODS,
  MUTATING_METHODS,
  NORMALIZERS,
  NORMALIZER_METHODS,
  MARKUP_CTORS,
  SANITIZERS,
  SANITIZER_METHODS,
  SELF_SOURCES,
  isPlainPasswordName,
  SOURCE_CALLS,
  SOURCE_METHODS,
  SOURCE_ROOTS,
} from "./semantics.ts";
import { stringValue } from "./names.ts";

const REMOTE: Taint = Object.freeze({
  kinds: ALL_KINDS,
  remote: true,
  built: false,
  norm: false,
  html: false,
  pinned: false,
  plainpw: false,
});
/** A trusted URL prefix that fixes the host: "/account/", "https://api.example.com/", "?page=", "items/". */
const PINNING_PREFIX = /^(\/[^/\\]|[a-z][\w+.-]*:\/\/[^/?#\\]+[/?#]|\?|[^:/?#\\]+[/?#])/i;
/**
 * The absolute URL of the request being served: its host is this site's. Not request.path: a
 * request for "//evil.example/" has that path, and redirecting to it leaves the site.
 */
const SELF_URL = /^(self\.)?(request|req)\.(url|base_url|url_root|host_url)$/;
const HTML_TAG = /<\/?[a-zA-Z!][^>]*>?/;

/** Taint of a variable reference (identifier or attribute chain like `self.path`). */
function lookup(ctx: Ctx, name: string, scope: Scope): Taint | undefined {
  const own = scope.get(name);
  const segs = name.split(".");
  // request.url, request.path: the page being served; a redirect there stays on this site
  if (SELF_URL.test(name) && !own) return { ...REMOTE, pinned: true };
  // request.args, req.body, self.request.arguments: request data whoever holds it
  if (segs[0] === "req" || segs.includes("request")) return own ? { ...union(own, REMOTE), norm: own.norm } : REMOTE;
  // http.server handlers: the request line, headers and body
  if (segs[0] === "self" && SELF_SOURCES.has(segs[1] ?? "") && !own) return REMOTE;
  if (own) return own;
  const q = resolveName(name, ctx.aliases);
  for (const root of SOURCE_ROOTS) if (q === root || q.startsWith(root + ".")) return REMOTE;
  return undefined;
}

/** Untrusted data read under a password-named key or attribute is a plain-text password. */
function withPassword(t: Taint, key: string | null): Taint {
  return t.kinds && key !== null && isPlainPasswordName(key) ? { ...t, plainpw: true } : t;
}

function unionAll(ts: Taint[]): Taint {
  let t = CLEAN;
  for (const x of ts) t = union(t, x);
  return t;
}

function built(t: Taint): Taint {
  return t.kinds ? { ...t, built: true } : t;
}

export function evalExpr(ctx: Ctx, node: Node | null, scope: Scope, target: string | null = null): Taint {
  if (!node) return CLEAN;
  switch (node.type) {
    case "identifier":
      return lookup(ctx, node.text, scope) ?? CLEAN;
    case "attribute": {
      const full = dotted(node);
      const own = full ? lookup(ctx, full, scope) : undefined;
      if (own?.pinned && full && SELF_URL.test(full)) return own; // not widened by `request` itself
      const obj = evalExpr(ctx, node.childForFieldName("object"), scope, target);
      const t = own ? union(own, obj) : obj;
      const attr = node.childForFieldName("attribute")?.text ?? null;
      // a temporary file's name is chosen by tempfile, whatever was written into the file
      const objName = dotted(node.childForFieldName("object"));
      if (attr === "name" && objName && scope.type(objName)?.startsWith("tempfile.")) return CLEAN;
      return withPassword(t, attr); // form.password.data
    }
    case "subscript": {
      const v = evalExpr(ctx, node.childForFieldName("value"), scope, target);
      const keys = node.childrenForFieldName("subscript");
      for (const s of keys) evalExpr(ctx, s, scope); // for sinks inside
      return withPassword(v, stringValue(keys[0] ?? null)); // request.form["password"]
    }
    case "string":
    case "concatenated_string":
      return evalString(ctx, node, scope);
    case "integer":
    case "float":
    case "true":
    case "false":
    case "none":
    case "ellipsis":
      return CLEAN;
    case "call":
      return evalCall(ctx, node, scope, target);
    case "binary_operator": {
      const l = evalExpr(ctx, node.childForFieldName("left"), scope, target);
      const r = evalExpr(ctx, node.childForFieldName("right"), scope, target);
      const op = node.childForFieldName("operator")?.text;
      const t = union(l, r);
      if ((op === "%" || op === "+") && isMarkup(ctx, node.childForFieldName("left"), scope))
        return sanitize(built(t), K.HTML);
      if (op !== "+" && op !== "%" && op !== "/") return t;
      const b = built(t);
      return b.kinds && pinsLeft(node.childForFieldName("left"), l, op) ? { ...b, pinned: true } : b;
    }
    case "comparison_operator":
    case "not_operator":
      for (const c of node.namedChildren) evalExpr(ctx, c, scope);
      return CLEAN;
    case "lambda":
      return CLEAN;
    case "list_comprehension":
    case "set_comprehension":
    case "generator_expression":
    case "dictionary_comprehension":
      return evalComprehension(ctx, node, scope);
    case "conditional_expression": {
      const parts = node.namedChildren;
      // `a if cond else b`: the value is a or b; the condition is evaluated for sinks only
      const a = evalExpr(ctx, parts[0], scope, target);
      evalExpr(ctx, parts[1], scope);
      const b = evalExpr(ctx, parts[2], scope, target);
      return union(a, b);
    }
    case "named_expression": {
      const t = evalExpr(ctx, node.childForFieldName("value"), scope, target);
      const name = node.childForFieldName("name")?.text;
      if (name) scope.set(name, t);
      return t;
    }
    default:
      return unionAll(
        node.namedChildren.filter((c) => c && c.type !== "comment").map((c) => evalExpr(ctx, c, scope, target)),
      );
  }
}

/**
 * Does the left side of `left + x` / `left % x` fix a URL's host? A trusted literal prefix that
 * pins it, or a trusted non-literal (a configured base URL); a tainted left keeps its own pin.
 */
function pinsLeft(left: Node | null, lt: Taint, op: string): boolean {
  if (lt.kinds) return lt.pinned;
  const lit = stringValue(left);
  if (lit === null) return true;
  return PINNING_PREFIX.test(op === "%" ? lit.split("%")[0] : lit);
}

/** Does a format string's text before its first hole (`{` or `%`) fix a URL's host? */
export function formatPins(text: string): boolean {
  return PINNING_PREFIX.test(text.split(/[{%]/)[0]);
}

function evalString(ctx: Ctx, node: Node, scope: Scope): Taint {
  let t = CLEAN;
  let html = false;
  let prefix = "";
  let pinned: boolean | null = null; // decided at the first interpolation
  const visit = (n: Node): void => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === "string_content" && HTML_TAG.test(c.text)) html = true;
      if ((c.type === "string_content" || c.type === "escape_sequence") && pinned === null) prefix += c.text;
      else if (c.type === "interpolation") {
        const it = evalExpr(ctx, c.childForFieldName("expression"), scope);
        if (pinned === null) pinned = prefix === "" ? !it.kinds : PINNING_PREFIX.test(prefix);
        t = union(t, it);
      } else if (c.type === "string") visit(c);
    }
  };
  visit(node);
  t = built(t);
  if (t.kinds && pinned) t = { ...t, pinned: true };
  return html ? { ...t, html: true } : t;
}

function evalComprehension(ctx: Ctx, node: Node, scope: Scope): Taint {
  const inner = scope.clone();
  for (const c of node.namedChildren) {
    if (c?.type === "for_in_clause") {
      const it = evalExpr(ctx, c.childForFieldName("right"), inner);
      for (const l of c.childrenForFieldName("left")) bindTarget(l, it, inner);
    } else if (c?.type === "if_clause") {
      for (const x of c.namedChildren) evalExpr(ctx, x, inner);
    }
  }
  const body = node.childForFieldName("body");
  if (body?.type === "pair") {
    return union(
      evalExpr(ctx, body.childForFieldName("key"), inner),
      evalExpr(ctx, body.childForFieldName("value"), inner),
    );
  }
  return evalExpr(ctx, body, inner);
}

/** Give every name in an assignment target (a, (a, b), [a, *b], self.x) the value's taint. */
export function bindTarget(target: Node | null, t: Taint, scope: Scope): void {
  if (!target) return;
  switch (target.type) {
    case "identifier":
    case "attribute":
      scope.set(target.text, t);
      return;
    case "subscript": {
      // d[k] = v: the container now holds v
      const base = dotted(target.childForFieldName("value"));
      if (base) scope.set(base, union(scope.get(base) ?? CLEAN, t));
      return;
    }
    default:
      for (const c of target.namedChildren) bindTarget(c, t, scope);
  }
}

function evalCall(ctx: Ctx, node: Node, scope: Scope, target: string | null): Taint {
  const fn = node.childForFieldName("function");
  const { args, kwargs } = callArgs(node);
  const raw = dotted(fn) ?? "";
  const name = resolveName(raw, ctx.aliases);
  const method = fn?.type === "attribute" ? (fn.childForFieldName("attribute")?.text ?? "") : name;
  const receiver = fn?.type === "attribute" ? fn.childForFieldName("object") : null;

  // Evaluate receiver and arguments once; sinks inside them fire here.
  const recvT = receiver
    ? evalExpr(ctx, receiver, scope, target)
    : fn && fn.type !== "identifier"
      ? evalExpr(ctx, fn, scope)
      : CLEAN;
  const argT = args.map((a) => evalExpr(ctx, a, scope, target));
  const kwT = new Map<string, Taint>();
  for (const [k, v] of kwargs) kwT.set(k, evalExpr(ctx, v, scope, target));
  const memo = new Map<Node, Taint>();
  args.forEach((a, i) => memo.set(a, argT[i]));
  for (const [k, v] of kwargs) memo.set(v, kwT.get(k)!);
  if (receiver) memo.set(receiver, recvT);

  // module-level calls are a script's start-up (argv of whoever runs it), not a handler's request data
  if (scope.fn.name) noteIncoming(ctx, fn, raw, argT, kwT);
  const recvName = receiver ? dotted(receiver) : null;
  const receiverType = receiver
    ? receiver.type === "call"
      ? resolveName(dotted(receiver.childForFieldName("function")) ?? "", ctx.aliases)
      : recvName
        ? (scope.type(recvName) ?? null)
        : null
    : null;
  const site: CallSite = {
    node,
    name,
    method,
    receiver,
    args,
    kwargs,
    receiverType,
    functionName: scope.fn.name,
    notes: ctx.notes,
    target,
    taint: (n: Node) => memo.get(n) ?? evalQuiet(ctx, n, scope),
  };
  const remote = recvT.remote || argT.some((t) => t.remote) || [...kwT.values()].some((t) => t.remote);
  const report: Report = (f) => ctx.report({ ...f, confidence: f.confidence ?? sinkConfidence(f.rule, remote) });
  for (const rule of ctx.rules) rule.onCall?.(site, report);

  const allArgs = unionAll([...argT, ...kwT.values()]);
  // Mutating methods (parts.append(x)) taint their receiver variable.
  if (receiver && recvName && MUTATING_METHODS.has(method) && allArgs.kinds) {
    const cur = scope.get(recvName) ?? CLEAN;
    scope.set(recvName, union(cur, built(allArgs)));
  }
  // d.get(key, default): a value of d (or the default), whatever the key
  if (receiver && method === "get") return withPassword(union(recvT, argT[1] ?? CLEAN), stringValue(args[0] ?? null));
  const local = localSummary(ctx, fn, raw);
  if (local) {
    if (!local.kinds) return CLEAN; // the function sanitises or ignores its inputs
    // what the helper's return can still exploit is what survives its own sanitisers
    const passed = sanitize(union(recvT, allArgs), ALL_KINDS & ~local.kinds);
    if (local.remote) return union(local, passed); // it reads request data itself
    return passed.kinds ? { ...passed, built: passed.built || local.built, html: passed.html || local.html } : passed;
  }
  const result = callResult(name, method, !!receiver, recvT, argT, allArgs);
  // Markup("<b>{}</b>").format(x) escapes x
  if (receiver && BUILDER_METHODS.has(method) && isMarkup(ctx, receiver, scope)) return sanitize(result, K.HTML);
  if (receiver && method === "format" && result.kinds) {
    const lit = stringValue(receiver);
    if (lit !== null && (formatPins(lit) || (/^\{/.test(lit) && argT[0] !== undefined && !argT[0].kinds)))
      return { ...result, pinned: true };
  }
  return result;
}

/** Record what a call of a function of this file passes to each of its parameters. */
function noteIncoming(ctx: Ctx, fn: Node | null, raw: string, argT: Taint[], kwT: Map<string, Taint>): void {
  const name =
    fn?.type === "identifier" && !ctx.aliases.has(raw)
      ? raw
      : fn?.type === "attribute" && /^(self|cls)\.[A-Za-z_]\w*$/.test(raw)
        ? raw.split(".")[1]
        : null;
  const def = name ? ctx.index.functions.get(name) : undefined;
  if (!def) return;
  let m = ctx.incoming.get(def.id);
  if (!m) ctx.incoming.set(def.id, (m = new Map()));
  const add = (p: string, t: Taint) => m.set(p, union(m.get(p) ?? CLEAN, t));
  positionalParams(def).forEach((p, i) => argT[i] && add(p, argT[i]));
  for (const [k, t] of kwT) add(k, t);
}

/** What a function defined in this file returns, for calls like `helper(x)` or `self.helper(x)`. */
function localSummary(ctx: Ctx, fn: Node | null, raw: string): Taint | undefined {
  if (!fn) return undefined;
  if (fn.type === "identifier" && !ctx.aliases.has(raw)) return ctx.summaries.get(raw);
  if (fn.type === "attribute" && /^(self|cls)\.[A-Za-z_]\w*$/.test(raw)) return ctx.summaries.get(raw.split(".")[1]);
  return undefined;
}

/** A Markup object: `Markup(...)` / `escape(...)` written inline, or a variable assigned one. */
function isMarkup(ctx: Ctx, node: Node | null, scope: Scope): boolean {
  if (!node) return false;
  if (node.type === "call")
    return MARKUP_CTORS.has(resolveName(dotted(node.childForFieldName("function")) ?? "", ctx.aliases));
  const name = dotted(node);
  const ty = name ? scope.type(name) : undefined;
  return ty !== undefined && MARKUP_CTORS.has(ty);
}

function callResult(
  name: string,
  method: string,
  isMethod: boolean,
  recvT: Taint,
  argT: Taint[],
  allArgs: Taint,
): Taint {
  if (name === "getpass.getpass") return { ...REMOTE, plainpw: true };
  if (SOURCE_CALLS.has(name) || (isMethod && SOURCE_METHODS.has(method))) return REMOTE;
  if (CLEAN_CALLS.has(name) || (isMethod && CLEAN_METHODS.has(method))) return CLEAN;
  if (name.startsWith("hashlib.")) return CLEAN; // digests are hex/bytes of fixed alphabet
  const everything = union(recvT, allArgs);
  const san = SANITIZERS.get(name) ?? (isMethod ? SANITIZER_METHODS.get(method) : undefined);
  if (san !== undefined) return sanitize(everything, san);
  if (NORMALIZERS.has(name)) return everything.kinds ? { ...everything, norm: true } : everything;
  if (isMethod && NORMALIZER_METHODS.has(method)) return recvT.kinds ? { ...recvT, norm: true } : recvT;
  if (BUILDERS.has(name)) {
    const anyBuilt = argT.some((t) => t.built);
    return argT.length > 1 || anyBuilt ? built(everything) : everything;
  }
  if (isMethod && BUILDER_METHODS.has(method)) {
    return allArgs.kinds || recvT.built ? built(everything) : everything;
  }
  return everything;
}

/** Taint of a node without firing rules (used when a rule asks about a sub-expression). */
function evalQuiet(ctx: Ctx, node: Node, scope: Scope): Taint {
  const quiet: Ctx = { ...ctx, rules: [], report: () => {} };
  return evalExpr(quiet, node, scope.clone());
}
