// jinja2 with autoescape off is XSS only when a template puts a user value into the page unescaped.
// The Environment (or Template) is noted during the walk; renders are noted with whether they pass
// user values and, when the template's text is visible in the file, whether every `{{ ... }}` goes
// through an escaping filter. At the end: flagged when a render passes user values into a template
// we cannot see or one with an unescaped expression, or when nothing in the file renders at all
// (the environment is used elsewhere, with data we cannot see).
import type { Node } from "web-tree-sitter";
import type { CallSite, Notes, Report } from "../types.ts";
import { K, isTainted } from "../types.ts";
import { stringValue } from "../names.ts";

interface JinjaNotes {
  off: Array<{ node: Node; name: string }>;
  renders: number;
  unsafeRenders: number;
}

const RENDER_METHODS = new Set(["render", "render_async", "stream", "generate", "generate_async"]);
const TEMPLATE_SOURCES = new Set(["from_string", "Template"]);
/** Filters whose output carries no markup: `{{ x|e }}`, `{{ n|int }}`, `{{ data|tojson }}`. */
const ESCAPING = /\|\s*(e|escape|forceescape|int|float|length|count|urlencode|tojson|wordcount|filesizeformat)\b/;

function jinjaNotes(notes: Notes): JinjaNotes {
  let n = notes.get("jinja") as JinjaNotes | undefined;
  if (!n) notes.set("jinja", (n = { off: [], renders: 0, unsafeRenders: 0 }));
  return n;
}

export function noteAutoescapeOff(site: CallSite): void {
  jinjaNotes(site.notes).off.push({ node: site.node, name: site.name });
}

function rootOf(n: Node): Node {
  let r = n;
  while (r.parent) r = r.parent;
  return r;
}

/** The value assigned to a simple name in the file (the last such assignment before `at`). */
function assignedValue(name: string, at: Node): Node | null {
  let found: Node | null = null;
  for (const a of rootOf(at).descendantsOfType("assignment")) {
    if (a.startIndex > at.startIndex) break;
    const l = a.childForFieldName("left");
    if (l && (l.text === name || l.text === `self.${name}`)) found = a.childForFieldName("right");
  }
  return found;
}

/** Text of the template a render call renders, when it is a literal (or constant) in the file. */
function templateText(receiver: Node | null, depth = 0): string | null {
  if (!receiver || depth > 3) return null;
  if (receiver.type === "identifier" || receiver.type === "attribute") {
    const v = assignedValue(
      receiver.type === "attribute" ? (receiver.childForFieldName("attribute")?.text ?? "") : receiver.text,
      receiver,
    );
    return v ? templateText(v, depth + 1) : null;
  }
  if (receiver.type !== "call") return stringValue(receiver);
  const fn = receiver.childForFieldName("function");
  const method = fn?.type === "attribute" ? fn.childForFieldName("attribute")?.text : fn?.text.split(".").pop();
  if (!method || !TEMPLATE_SOURCES.has(method)) return null;
  const src =
    receiver
      .childForFieldName("arguments")
      ?.namedChildren.find((c) => c && c.type !== "comment" && c.type !== "keyword_argument") ?? null;
  if (!src) return null;
  const lit = stringValue(src);
  if (lit !== null) return lit;
  const v = src.type === "identifier" ? assignedValue(src.text, src) : null;
  return v ? stringValue(v) : null;
}

function allEscaped(text: string): boolean {
  return [...text.matchAll(/\{\{([\s\S]*?)\}\}/g)].every((m) => ESCAPING.test(m[1]));
}

export function noteRender(site: CallSite): void {
  if (!site.receiver || !RENDER_METHODS.has(site.method)) return;
  const values = [...site.args, ...site.kwargs.values()];
  const user = values.some((v) => isTainted(site.taint(v), K.HTML));
  const n = jinjaNotes(site.notes);
  n.renders++;
  if (!user) return;
  const text = templateText(site.receiver);
  if (text === null || !allEscaped(text)) n.unsafeRenders++;
}

export function finishJinja(notes: Notes, report: Report): void {
  const n = notes.get("jinja") as JinjaNotes | undefined;
  if (!n || (n.renders > 0 && n.unsafeRenders === 0)) return;
  for (const { node, name } of n.off) {
    report({
      cwe: "CWE-79",
      rule: "jinja-autoescape-off",
      message: `${name}() without autoescape renders variables unescaped; pass autoescape=True or select_autoescape()`,
      node,
    });
  }
}
