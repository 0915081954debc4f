// What the rest of the file says about a function: where it is called and with what. A parameter
// that every call site fills with a literal (or leaves to a literal default) is not user input,
// whatever the function does with it. A function that is decorated, passed around as a value or
// never called in the file stays an entry point: callers we cannot see may pass anything.
import type { Node } from "web-tree-sitter";
import { callArgs, paramName, paramNodes, stringValue } from "./names.ts";

interface Uses {
  /** `name(...)` */
  calls: Node[];
  /** `x.name(...)`: calls of a method of that name, whatever the receiver */
  methodCalls: Node[];
  /** The name is used other than as a callee (passed as a callback, stored, exported in a list). */
  escapes: boolean;
}

export interface FileIndex {
  uses: Map<string, Uses>;
  /** Module-level names bound once to a literal (constants). */
  constants: Map<string, Node>;
  /** Functions defined in the file, by name (the last definition wins, as in Python). */
  functions: Map<string, Node>;
}

/** Decorators that keep a function an ordinary callee. */
const PLAIN_DECORATORS =
  /^@(staticmethod|classmethod|property|functools\.(lru_)?cache|(functools\.)?wraps\(.*\)|lru_cache(\(.*\))?|cache)$/;

export function indexFile(root: Node): FileIndex {
  const uses = new Map<string, Uses>();
  const use = (name: string): Uses => {
    let u = uses.get(name);
    if (!u) uses.set(name, (u = { calls: [], methodCalls: [], escapes: false }));
    return u;
  };
  for (const call of root.descendantsOfType("call")) {
    const fn = call.childForFieldName("function");
    if (fn?.type === "identifier") use(fn.text).calls.push(call);
    // methods: any receiver counts (self.render, renderer.render): more call sites, never fewer
    else if (fn?.type === "attribute") use(fn.childForFieldName("attribute")?.text ?? "").methodCalls.push(call);
  }
  for (const id of root.descendantsOfType("identifier")) {
    const p = id.parent;
    if (!p) continue;
    if (p.type === "call" && p.childForFieldName("function")?.id === id.id) continue;
    if (
      (p.type === "function_definition" || p.type === "class_definition") &&
      p.childForFieldName("name")?.id === id.id
    )
      continue;
    if (p.type === "attribute" && p.childForFieldName("attribute")?.id === id.id) {
      // self.handler passed along (not called) escapes too
      if (p.parent?.type === "call" && p.parent.childForFieldName("function")?.id === p.id) continue;
    } else if (p.type === "keyword_argument" && p.childForFieldName("name")?.id === id.id) continue;
    if (uses.has(id.text) || p.type === "attribute") use(id.text).escapes = true;
  }
  const constants = new Map<string, Node>();
  const assigned = new Map<string, number>();
  for (const stmt of root.namedChildren) {
    const a = stmt?.type === "expression_statement" ? stmt.namedChildren[0] : null;
    if (a?.type !== "assignment") continue;
    const l = a.childForFieldName("left");
    const r = a.childForFieldName("right");
    if (l?.type !== "identifier" || !r) continue;
    assigned.set(l.text, (assigned.get(l.text) ?? 0) + 1);
    if (isLiteral(r, new Map())) constants.set(l.text, r);
  }
  for (const [k, n] of assigned) if (n > 1) constants.delete(k);
  const functions = new Map<string, Node>();
  for (const f of root.descendantsOfType("function_definition")) {
    const name = f.childForFieldName("name")?.text;
    if (name) functions.set(name, f);
  }
  return { uses, constants, functions };
}

/** A literal value: string without holes, number, bool, None, a container of those, or a constant. */
function isLiteral(n: Node | null, constants: Map<string, Node>, depth = 0): boolean {
  if (!n || depth > 32) return false;
  switch (n.type) {
    case "string":
    case "concatenated_string":
      return stringValue(n) !== null;
    case "integer":
    case "float":
    case "true":
    case "false":
    case "none":
      return true;
    case "unary_operator":
    case "parenthesized_expression":
    case "list":
    case "tuple":
    case "set":
      return n.namedChildren.every((c) => !c || c.type === "comment" || isLiteral(c, constants, depth + 1));
    case "identifier":
      return constants.has(n.text);
    default:
      return false;
  }
}

function isMethod(def: Node): boolean {
  let p = def.parent;
  if (p?.type === "decorated_definition") p = p.parent;
  return p?.type === "block" && p.parent?.type === "class_definition";
}

/**
 * Parameters of `def` that every call site in the file fills with a literal (or leaves to a literal
 * default). Empty when the function is decorated with anything unusual, escapes, or is never called.
 */
export function literalParams(def: Node, index: FileIndex): Set<string> {
  const out = new Set<string>();
  const name = def.childForFieldName("name")?.text ?? "";
  const u = index.uses.get(name);
  const method = isMethod(def);
  // a method is called through any receiver; a module function by its name
  const calls = method ? [...(u?.calls ?? []), ...(u?.methodCalls ?? [])] : (u?.calls ?? []);
  if (!u || u.escapes || calls.length === 0) return out;
  if (def.parent?.type === "decorated_definition") {
    const decos = def.parent.namedChildren.filter((c) => c?.type === "decorator");
    if (!decos.every((d) => d && PLAIN_DECORATORS.test(d.text.replace(/\s+/g, "")))) return out;
  }
  // a call passing *args or **kwargs could fill any parameter
  for (const c of calls) {
    const list = c.childForFieldName("arguments");
    if (!list || list.type === "generator_expression") return out;
    if (list.namedChildren.some((a) => a?.type === "list_splat" || a?.type === "dictionary_splat")) return out;
  }
  const params = paramNodes(def);
  const shift = method && !/^@staticmethod/m.test(def.parent?.text.split("\n")[0] ?? "") ? 1 : 0;
  params.forEach((p, i) => {
    if (
      p.type === "list_splat_pattern" ||
      p.type === "dictionary_splat_pattern" ||
      p.type === "keyword_separator" ||
      p.type === "positional_separator"
    )
      return;
    const nameNode = paramName(p);
    if (!nameNode) return;
    const dflt = p.childForFieldName("value");
    const pos = i - shift;
    const everyLiteral = calls.every((c) => {
      const { args, kwargs } = callArgs(c);
      const given = kwargs.get(nameNode.text) ?? (pos >= 0 ? args[pos] : undefined);
      if (given) return isLiteral(given, index.constants);
      // a required parameter left out: probably another function's call of the same name
      return !!dflt && isLiteral(dflt, index.constants);
    });
    if (everyLiteral) out.add(nameNode.text);
  });
  return out;
}

/** Positional parameter names of a function as its callers fill them (self/cls skipped for methods). */
export function positionalParams(def: Node): string[] {
  const names: string[] = [];
  for (const p of paramNodes(def)) {
    if (p.type === "list_splat_pattern" || p.type === "dictionary_splat_pattern" || p.type === "keyword_separator")
      break;
    const n = paramName(p);
    if (n) names.push(n.text);
  }
  return isMethod(def) && /^(self|cls)$/.test(names[0] ?? "") ? names.slice(1) : names;
}
