// Syntax helpers: import aliases, dotted callee names, string literal values.
import type { Node } from "web-tree-sitter";

/** Local name -> qualified module path, from the file's import statements (anywhere in the file). */
export function importAliases(root: Node): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const imp of root.descendantsOfType(["import_statement", "import_from_statement"])) {
    if (!imp) continue;
    if (imp.type === "import_statement") {
      for (const n of imp.childrenForFieldName("name")) {
        if (!n) continue;
        if (n.type === "aliased_import") {
          const mod = n.childForFieldName("name")?.text;
          const alias = n.childForFieldName("alias")?.text;
          if (mod && alias) aliases.set(alias, mod);
        } else {
          const first = n.text.split(".")[0];
          aliases.set(first, first); // `import os.path` binds `os`
        }
      }
    } else {
      const mod = imp.childForFieldName("module_name");
      if (!mod || mod.type === "relative_import") continue;
      for (const n of imp.childrenForFieldName("name")) {
        if (!n) continue;
        if (n.type === "aliased_import") {
          const name = n.childForFieldName("name")?.text;
          const alias = n.childForFieldName("alias")?.text;
          if (name && alias) aliases.set(alias, `${mod.text}.${name}`);
        } else {
          aliases.set(n.text, `${mod.text}.${n.text}`);
        }
      }
    }
  }
  return aliases;
}

/** `a.b.c` for identifier/attribute chains; `f()` segments for calls; null for anything else. */
export function dotted(node: Node | null): string | null {
  if (!node) return null;
  switch (node.type) {
    case "identifier":
      return node.text;
    case "attribute": {
      const obj = dotted(node.childForFieldName("object"));
      const attr = node.childForFieldName("attribute")?.text;
      return obj && attr ? `${obj}.${attr}` : null;
    }
    case "call": {
      const fn = dotted(node.childForFieldName("function"));
      return fn ? `${fn}()` : null;
    }
    case "subscript": {
      const v = dotted(node.childForFieldName("value"));
      return v ? `${v}[]` : null;
    }
    case "parenthesized_expression": {
      const inner = node.namedChildren.find((c) => c && c.type !== "comment");
      return inner ? dotted(inner) : null;
    }
    default:
      return null;
  }
}

/** Resolve the first segment of a dotted name through the import aliases. */
export function resolveName(name: string, aliases: Map<string, string>): string {
  const dot = name.indexOf(".");
  const head = dot < 0 ? name : name.slice(0, dot);
  const q = aliases.get(head);
  if (!q) return name;
  return dot < 0 ? q : q + name.slice(dot);
}

/** The value of a plain string literal (no interpolation), or null. Escapes are kept as written. */
export function stringValue(node: Node | null): string | null {
  if (!node) return null;
  if (node.type === "parenthesized_expression") {
    const inner = node.namedChildren.find((c) => c && c.type !== "comment");
    return inner ? stringValue(inner) : null;
  }
  if (node.type === "concatenated_string") {
    let out = "";
    for (const c of node.namedChildren) {
      const v = stringValue(c);
      if (v === null) return null;
      out += v;
    }
    return out;
  }
  if (node.type !== "string") return null;
  let out = "";
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === "interpolation") return null;
    if (c.type === "string_content" || c.type === "escape_sequence") out += c.text;
  }
  return out;
}

/** Positional and keyword arguments of a call node. */
export function callArgs(call: Node): { args: Node[]; kwargs: Map<string, Node> } {
  const args: Node[] = [];
  const kwargs = new Map<string, Node>();
  const list = call.childForFieldName("arguments");
  if (!list) return { args, kwargs };
  if (list.type === "generator_expression") return { args: [list], kwargs };
  for (const a of list.namedChildren) {
    if (!a || a.type === "comment") continue;
    if (a.type === "keyword_argument") {
      const k = a.childForFieldName("name")?.text;
      const v = a.childForFieldName("value");
      if (k && v) kwargs.set(k, v);
    } else {
      args.push(a);
    }
  }
  return { args, kwargs };
}

/** The parameter nodes of a function definition, comments left out. */
export function paramNodes(def: Node): Node[] {
  return (def.childForFieldName("parameters")?.namedChildren ?? []).filter(
    (p): p is Node => !!p && p.type !== "comment",
  );
}

/** A parameter's name: the identifier itself, or the name inside a default, typed or splat parameter. */
export function paramName(p: Node): Node | null {
  if (p.type === "identifier") return p;
  return p.childForFieldName("name") ?? p.namedChildren.find((c) => c?.type === "identifier") ?? null;
}

/** Identifiers and attribute chains (as text) mentioned anywhere inside a node. */
export function mentionedNames(node: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node): void => {
    if (n.type === "identifier") out.push(n.text);
    else if (n.type === "attribute") out.push(n.text);
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(node);
  return out;
}

export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** Is a node the literal `True` (or a truthy constant)? */
export function isTrue(node: Node | null | undefined): boolean {
  if (!node) return false;
  if (node.type === "true") return true;
  if (node.type === "integer") return node.text !== "0";
  return false;
}
