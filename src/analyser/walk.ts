// Statement walk of the taint analysis: module code first, then each function with its parameters
// marked untrusted (a completion's functions are entry points whose callers we cannot see).
import type { Node } from "web-tree-sitter";
import type { Report, Taint } from "./types.ts";
import { sinkConfidence } from "./confidence.ts";
import { ALL_KINDS, CLEAN, union } from "./types.ts";
import { dotted, paramName, paramNodes, resolveName } from "./names.ts";
import { Scope } from "./scope.ts";
import type { Ctx, FnInfo } from "./scope.ts";
import { bindTarget, evalExpr } from "./expr.ts";
import { applyGuards, urlOrigin } from "./guards.ts";
import { isPlainPasswordName } from "./semantics.ts";
import { literalParams } from "./callsites.ts";

const PARAM: Taint = Object.freeze({ ...CLEAN, kinds: ALL_KINDS });
const ROUTE_DECORATOR = /\.(route|get|post|put|patch|delete|api_route|errorhandler)\s*\(|^@?(route|get|post)\s*\(/;
/** Parameters that hold infrastructure, not data: leaving them clean avoids noise. */
const TRUSTED_PARAMS = new Set(["self", "cls"]);

/**
 * Two passes: a silent one that learns what each local function returns (so `q = build_query(x)`
 * knows q is built from x), then the reporting one.
 */
export function analyzeModule(ctx: Ctx, root: Node): void {
  const quiet: Ctx = {
    ...ctx,
    rules: [],
    report: () => {},
    summaries: new Map(),
    returns: new Map(),
    notes: new Map(),
    incoming: new Map(),
  };
  walkScope(quiet, root, new Scope(null, { name: "", isRoute: false }));
  ctx.summaries = quiet.returns;
  ctx.callers = quiet.incoming;
  walkScope(ctx, root, new Scope(null, { name: "", isRoute: false }));
}

/** Walk a body in order; functions defined in it are analysed afterwards, seeing its final state. */
function walkScope(ctx: Ctx, body: Node, scope: Scope): void {
  const deferred: Node[] = [];
  walkBlock(ctx, body, scope, deferred);
  for (const fn of deferred) analyzeFunction(ctx, fn, scope);
}

function analyzeFunction(ctx: Ctx, def: Node, outer: Scope): void {
  const decorators =
    def.parent?.type === "decorated_definition" ? def.parent.namedChildren.filter((c) => c?.type === "decorator") : [];
  const info: FnInfo = {
    name: def.childForFieldName("name")?.text ?? "",
    isRoute: decorators.some((d) => d && ROUTE_DECORATOR.test(d.text)),
  };
  const scope = new Scope(outer, info);
  // filled with a literal at every call site in the file: not user input
  const literal = info.isRoute ? new Set<string>() : literalParams(def, ctx.index);
  for (const p of paramNodes(def)) {
    const nameNode = paramName(p);
    if (!nameNode) continue;
    // default values are evaluated for sinks in the enclosing scope
    const dflt = p.childForFieldName("value");
    if (dflt) evalExpr(ctx, dflt, outer);
    // a web route's parameters are request data (path segments, FastAPI query and body models)
    // request data passed in by a caller in the file stays request data
    const fromCaller = ctx.callers.get(def.id)?.get(nameNode.text)?.remote ?? false;
    const base =
      TRUSTED_PARAMS.has(nameNode.text) || literal.has(nameNode.text)
        ? CLEAN
        : info.isRoute || fromCaller
          ? { ...PARAM, remote: true }
          : PARAM;
    scope.set(nameNode.text, base.kinds && isPlainPasswordName(nameNode.text) ? { ...base, plainpw: true } : base);
  }
  const body = def.childForFieldName("body");
  if (body) walkScope(ctx, body, scope);
}

/** Findings about a value carry the confidence its origin warrants (request data or a parameter). */
function withOrigin(report: Report, t: Taint): Report {
  return (f) => report({ ...f, confidence: f.confidence ?? sinkConfidence(f.rule, t.remote) });
}

function bindParams(params: Node, scope: Scope): void {
  for (const p of params.namedChildren) {
    const n = p?.type === "identifier" ? p : (p?.childForFieldName("name") ?? null);
    if (n && !TRUSTED_PARAMS.has(n.text)) scope.set(n.text, PARAM);
  }
}

function walkBlock(ctx: Ctx, block: Node, scope: Scope, deferred: Node[]): void {
  for (const stmt of block.namedChildren) if (stmt) walkStmt(ctx, stmt, scope, deferred);
}

function walkBranch(ctx: Ctx, body: Node | null, scope: Scope, deferred: Node[]): Scope {
  const s = scope.clone();
  if (body) walkBlock(ctx, body, s, deferred);
  return s;
}

/** The callee of a value that is a direct call (`tar = tarfile.open(p)` -> "tarfile.open"). */
function constructorOf(ctx: Ctx, value: Node | null): string | null {
  if (value?.type !== "call") return null;
  const name = resolveName(dotted(value.childForFieldName("function")) ?? "", ctx.aliases);
  return name || null;
}

function assign(ctx: Ctx, node: Node, scope: Scope): void {
  const left = node.childForFieldName("left");
  let right = node.childForFieldName("right");
  const targets: Node[] = left ? [left] : [];
  while (right?.type === "assignment") {
    // a = b = value
    const l = right.childForFieldName("left");
    if (l) targets.push(l);
    right = right.childForFieldName("right");
  }
  if (!right) return;
  const targetName = left ? dotted(left) : null;
  const t = evalExpr(ctx, right, scope, targetName);
  const ctor = right.type === "call" ? constructorOf(ctx, right) : null;
  const report = withOrigin(ctx.report, t);
  for (const tg of targets) for (const r of ctx.rules) r.onAssign?.(tg, right, t, report);
  const from = urlOrigin(ctx, right, scope);
  if (from) for (const tg of targets) if (tg.type === "identifier") scope.origins.set(tg.text, from);
  for (const tg of targets) {
    bindTarget(tg, t, scope);
    const n = dotted(tg);
    if (n && ctor) scope.types.set(n, ctor);
  }
}

function walkStmt(ctx: Ctx, stmt: Node, scope: Scope, deferred: Node[]): void {
  switch (stmt.type) {
    case "expression_statement":
      for (const e of stmt.namedChildren) {
        if (!e) continue;
        if (e.type === "assignment") assign(ctx, e, scope);
        else if (e.type === "augmented_assignment") {
          const left = e.childForFieldName("left");
          const name = left ? dotted(left) : null;
          const v = evalExpr(ctx, e.childForFieldName("right"), scope, name);
          const op = e.childForFieldName("operator")?.text ?? "";
          const grown = union(name ? (scope.get(name) ?? CLEAN) : CLEAN, v);
          const t = (op === "+=" || op === "%=") && grown.kinds ? { ...grown, built: true } : grown;
          if (left) bindTarget(left, t, scope);
        } else evalExpr(ctx, e, scope);
      }
      return;
    case "function_definition":
      deferred.push(stmt);
      return;
    case "decorated_definition": {
      for (const d of stmt.namedChildren) if (d?.type === "decorator") evalExpr(ctx, d, scope);
      const def = stmt.childForFieldName("definition");
      if (def) walkStmt(ctx, def, scope, deferred);
      return;
    }
    case "class_definition": {
      const body = stmt.childForFieldName("body");
      // class attributes live in their own namespace; methods see module scope
      if (body) walkBlock(ctx, body, scope.clone(), deferred);
      return;
    }
    case "return_statement": {
      const value = stmt.namedChildren[0] ?? null;
      const t = evalExpr(ctx, value, scope);
      if (scope.fn.name) ctx.returns.set(scope.fn.name, union(ctx.returns.get(scope.fn.name) ?? CLEAN, t));
      if (value) for (const r of ctx.rules) r.onReturn?.(value, t, scope.fn, withOrigin(ctx.report, t));
      return;
    }
    case "if_statement": {
      const cond = stmt.childForFieldName("condition");
      evalExpr(ctx, cond, scope);
      applyGuards(ctx, cond, scope);
      const branches = [walkBranch(ctx, stmt.childForFieldName("consequence"), scope, deferred)];
      let hasElse = false;
      for (const alt of stmt.childrenForFieldName("alternative")) {
        if (alt.type === "elif_clause") {
          const c = alt.childForFieldName("condition");
          evalExpr(ctx, c, scope);
          applyGuards(ctx, c, scope);
          branches.push(walkBranch(ctx, alt.childForFieldName("consequence"), scope, deferred));
        } else {
          hasElse = true;
          branches.push(walkBranch(ctx, alt.childForFieldName("body"), scope, deferred));
        }
      }
      scope.merge(branches, !hasElse);
      return;
    }
    case "for_statement": {
      const it = evalExpr(ctx, stmt.childForFieldName("right"), scope);
      bindTarget(stmt.childForFieldName("left"), it, scope);
      scope.merge([walkBranch(ctx, stmt.childForFieldName("body"), scope, deferred)], true);
      const alt = stmt.childForFieldName("alternative");
      if (alt) walkBlock(ctx, alt, scope, deferred);
      return;
    }
    case "while_statement": {
      const cond = stmt.childForFieldName("condition");
      evalExpr(ctx, cond, scope);
      scope.merge([walkBranch(ctx, stmt.childForFieldName("body"), scope, deferred)], true);
      return;
    }
    case "with_statement": {
      for (const item of stmt.descendantsOfType("with_item")) {
        const v = item.childForFieldName("value");
        if (v?.type === "as_pattern") {
          const value = v.namedChildren[0] ?? null;
          const alias = v.childForFieldName("alias");
          const aliasName = alias ? dotted(alias.namedChildren[0] ?? alias) : null;
          const t = evalExpr(ctx, value, scope, aliasName);
          bindTarget(alias, t, scope);
          const ctor = value?.type === "call" ? constructorOf(ctx, value) : null;
          if (alias && ctor) {
            const n = dotted(alias.namedChildren[0] ?? alias);
            if (n) scope.types.set(n, ctor);
          }
        } else evalExpr(ctx, v, scope);
      }
      const body = stmt.childForFieldName("body");
      if (body) walkBlock(ctx, body, scope, deferred);
      return;
    }
    case "assert_statement": {
      for (const c of stmt.namedChildren) evalExpr(ctx, c, scope);
      applyGuards(ctx, stmt.namedChildren[0] ?? null, scope);
      return;
    }
    case "parameters":
      // only met as a statement when a syntax error tore its def apart: its names are still inputs
      bindParams(stmt, scope);
      return;
    case "import_statement":
    case "import_from_statement":
    case "future_import_statement":
    case "pass_statement":
    case "break_statement":
    case "continue_statement":
    case "global_statement":
    case "nonlocal_statement":
    case "comment":
      return;
    default:
      // try/except/finally, match, raise, del, print, ...: walk nested blocks in order, evaluate the rest
      for (const c of stmt.namedChildren) {
        if (!c) continue;
        if (c.type === "block") walkBlock(ctx, c, scope, deferred);
        else if (c.type === "parameters")
          bindParams(c, scope); // a def torn apart by a syntax error
        else if (/_clause$|^case_clause$/.test(c.type)) walkStmt(ctx, c, scope, deferred);
        else if (c.type.endsWith("_statement") || c.type === "function_definition" || c.type === "decorated_definition")
          walkStmt(ctx, c, scope, deferred);
        else evalExpr(ctx, c, scope);
      }
  }
}
