// CWE-22 through tar archives: extract()/extractall() without a filter or a checked members list.
// The checks may sit anywhere in the function or in helpers of the same file: a filter function, a
// comprehension over a predicate, a loop that collects the members it accepts, or a loop that raises
// on a bad member before a plain extractall(). They must cover names (".." with absolute names or a
// relative prefix, or a resolved-prefix check) and links.
import type { Node } from "web-tree-sitter";
import type { CallSite } from "../types.ts";

export const TAR_CTORS = new Set([
  "tarfile.open",
  "tarfile.TarFile",
  "tarfile.TarFile.open",
  "tarfile.TarFile.taropen",
]);

const CONTAINS =
  /commonpath|is_relative_to|(realpath|abspath|resolve)[\s\S]*(startswith|commonpath|is_relative_to)|\.\.[\s\S]*(startswith\(\s*["'](\/|[\w.-]+\/)|isabs|is_absolute)|(startswith\(\s*["'](\/|[\w.-]+\/)|isabs|is_absolute)[\s\S]*\.\./;
const LINKS = /issym\(|islnk\(|isfile\(|isreg\(|\.type\b|linkname/;
const SAFE_FILTERS = /^(["'](data|tar)["']|(tarfile\.)?(data|tar)_filter)$/;
/** A loop body that stops on a bad member. */
const STOPS = /\braise\b|\breturn\b|sys\.exit\(|\babort\(/;

function judge(text: string): string | null {
  if (!CONTAINS.test(text)) return "with a members check that does not keep paths inside the target";
  if (!LINKS.test(text)) return "with a members check that lets links through";
  return null;
}

function rootOf(n: Node): Node {
  let r = n;
  while (r.parent) r = r.parent;
  return r;
}

function functionNamed(from: Node, name: string): Node | null {
  return (
    rootOf(from)
      .descendantsOfType("function_definition")
      .find((f) => f.childForFieldName("name")?.text === name) ?? null
  );
}

function enclosingFunction(n: Node): Node {
  let f: Node | null = n.parent;
  while (f && f.type !== "function_definition") f = f.parent;
  return f ?? rootOf(n);
}

/** The text of some nodes plus that of the file's functions they call (two levels deep). */
function withHelpers(nodes: Node[], depth = 2): string {
  let text = nodes.map((n) => n.text).join("\n");
  if (depth === 0) return text;
  const seen = new Set<string>();
  for (const n of nodes) {
    for (const c of n.descendantsOfType("call")) {
      const fn = c.childForFieldName("function");
      const name =
        fn?.type === "identifier"
          ? fn.text
          : fn?.type === "attribute" && /^(self|cls)$/.test(fn.childForFieldName("object")?.text ?? "")
            ? fn.childForFieldName("attribute")?.text
            : null;
      if (!name || seen.has(name)) continue;
      seen.add(name);
      const def = functionNamed(n, name);
      if (def && !nodes.some((x) => x.id === def.id)) text += "\n" + withHelpers([def], depth - 1);
    }
  }
  return text;
}

/** Where a members variable gets its value in the function: its assignments and the loops that append to it. */
function membersSources(fn: Node, name: string): Node[] {
  const out: Node[] = [];
  for (const a of fn.descendantsOfType("assignment")) {
    if (a.childForFieldName("left")?.text === name) out.push(a.childForFieldName("right") ?? a);
  }
  for (const loop of fn.descendantsOfType("for_statement")) {
    const body = loop.childForFieldName("body");
    if (body && new RegExp(`\\b${name.replace(/[.$]/g, "\\$&")}\\.(append|add|extend)\\(`).test(body.text))
      out.push(loop);
  }
  return out;
}

/** Loops before the call, over the archive's members, that stop on a bad member. */
function validationLoops(site: CallSite, fn: Node): Node[] {
  const recv = site.receiver?.text ?? "";
  return fn.descendantsOfType("for_statement").filter((loop) => {
    if (loop.endIndex > site.node.startIndex) return false;
    const over = loop.childForFieldName("right")?.text ?? "";
    return (
      (/getmembers\(|getnames\(/.test(over) || over === recv) && STOPS.test(loop.childForFieldName("body")?.text ?? "")
    );
  });
}

/** Why an extract/extractall call is unsafe, or null. */
export function tarRisk(site: CallSite): string | null {
  const filter = site.kwargs.get("filter");
  const fn = enclosingFunction(site.node);
  if (filter) {
    if (SAFE_FILTERS.test(filter.text)) return null;
    const def = filter.type === "identifier" ? functionNamed(site.node, filter.text) : null;
    return def ? judge(withHelpers([def])) : "with a filter that trusts every entry";
  }
  if (site.method === "extract") {
    // for m in tar.getmembers(): if <checks>: tar.extract(m, dest) -- judged by the function's checks
    const conds = fn
      .descendantsOfType(["if_statement", "assert_statement"])
      .map((c) => c.childForFieldName("condition") ?? c);
    return judge(withHelpers(conds)) ? "of an entry whose path and type are not both checked" : null;
  }
  const members = site.kwargs.get("members") ?? site.args[1];
  if (!members) {
    const loops = validationLoops(site, fn);
    return loops.length && !judge(withHelpers(loops)) ? null : "without filter= or a checked members list";
  }
  if (members.type === "call") {
    const callee = members.childForFieldName("function");
    if (callee?.type === "attribute" && callee.childForFieldName("attribute")?.text === "getmembers")
      return "of every member (getmembers() checks nothing)";
    const def = callee?.type === "identifier" ? functionNamed(site.node, callee.text) : null;
    return def ? judge(withHelpers([def])) : null;
  }
  if (/comprehension|generator/.test(members.type)) return judge(withHelpers([members]));
  if (members.type === "identifier") {
    const sources = membersSources(fn, members.text);
    // a parameter or something we cannot see: the caller's responsibility
    return sources.length ? judge(withHelpers(sources)) : null;
  }
  return null;
}
