// CWE-434: an uploaded file stored without checking its type. An upload is a value taken from
// request.files / request.FILES, a parameter typed UploadFile, or anything whose `.filename` the
// function reads. It is stored by `.save()`, a storage backend's save(), copyfileobj or writing a
// file opened for writing. A check is a condition on a value derived from the upload (its name,
// extension or bytes): an allow-list (`in`), endswith, a validator call, or a content sniffer.
import type { Node } from "web-tree-sitter";
import type { Report, Rule } from "../types.ts";
import { dotted, mentionedNames } from "../names.ts";

const CONTENT_SNIFFERS = /imghdr\.what|magic\.from_(buffer|file)|filetype\.(guess|is_)|puremagic|\.verify\(\)/;
const VALIDATOR = /(^|_)(allowed|valid|validate|permitted|check|is_image|safe)(_|$)/i;

function uploadsIn(fn: Node): Set<string> {
  const ups = new Set<string>();
  for (const a of fn.descendantsOfType("assignment")) {
    const l = a.childForFieldName("left");
    const r = a.childForFieldName("right");
    if (l?.type === "identifier" && r && /\.(files|FILES)\b/.test(r.text)) ups.add(l.text);
  }
  for (const p of fn.childForFieldName("parameters")?.namedChildren ?? []) {
    if (
      p?.type === "typed_parameter" &&
      /UploadFile|FileStorage|UploadedFile/.test(p.childForFieldName("type")?.text ?? "")
    ) {
      const n = p.namedChildren.find((c) => c?.type === "identifier");
      if (n) ups.add(n.text);
    }
  }
  for (const at of fn.descendantsOfType("attribute")) {
    const obj = at.childForFieldName("object");
    if (at.childForFieldName("attribute")?.text === "filename" && obj?.type === "identifier" && obj.text !== "self")
      ups.add(obj.text);
  }
  return ups;
}

/** Names whose value derives from an upload (its name, extension, bytes), to a fixed point. */
function derived(fn: Node, ups: Set<string>): Set<string> {
  const d = new Set(ups);
  const assigns = fn.descendantsOfType(["assignment", "for_statement"]);
  for (let changed = true; changed;) {
    changed = false;
    for (const a of assigns) {
      const l = a.childForFieldName("left");
      const r = a.childForFieldName("right");
      if (!l || !r || !mentionedNames(r).some((n) => d.has(n.split(".")[0]))) continue;
      for (const n of mentionedNames(l)) {
        if (!d.has(n)) {
          d.add(n);
          changed = true;
        }
      }
    }
  }
  return d;
}

function stores(fn: Node, ups: Set<string>): Node | null {
  for (const call of fn.descendantsOfType("call")) {
    const f = call.childForFieldName("function");
    const name = dotted(f) ?? "";
    const args = call.childForFieldName("arguments")?.namedChildren ?? [];
    const recv = f?.type === "attribute" ? dotted(f.childForFieldName("object")) : null;
    const mentionsUpload = args.some((a) => a && mentionedNames(a).some((n) => ups.has(n.split(".")[0])));
    if (name.endsWith(".save") && recv && ups.has(recv)) return call;
    if (name.endsWith(".save") && mentionsUpload) return call; // default_storage.save(name, f)
    if (name === "shutil.copyfileobj" && mentionsUpload) return call;
    if (name === "open" || name.endsWith(".open")) {
      const mode = args[1]?.text ?? "";
      if (/["'][^"']*[wa][^"']*["']/.test(mode)) return call;
    }
  }
  return null;
}

function checked(fn: Node, d: Set<string>): boolean {
  const conds = fn
    .descendantsOfType(["if_statement", "elif_clause", "assert_statement", "conditional_expression"])
    .map((s) =>
      s.type === "assert_statement"
        ? s.namedChildren[0]
        : s.type === "conditional_expression"
          ? s.namedChildren[1]
          : s.childForFieldName("condition"),
    );
  for (const c of conds) {
    if (!c || !mentionedNames(c).some((n) => d.has(n.split(".")[0]))) continue;
    if (CONTENT_SNIFFERS.test(c.text) || /\.endswith\(/.test(c.text)) return true;
    for (const call of c.descendantsOfType("call"))
      if (VALIDATOR.test(dotted(call.childForFieldName("function"))?.split(".").pop() ?? "")) return true;
    for (const cmp of c.descendantsOfType("comparison_operator")) {
      const ops = cmp.childrenForFieldName("operators").map((o) => o.text.replace(/\s+/g, " "));
      const left = cmp.namedChildren[0];
      const right = cmp.namedChildren[1];
      if (
        (ops.includes("in") || ops.includes("not in")) &&
        left &&
        right &&
        left.type !== "string" &&
        mentionedNames(left).some((n) => d.has(n.split(".")[0]))
      )
        return true;
      if (
        (ops.includes("==") || ops.includes("!=")) &&
        /suffix|ext|mime|kind/i.test(left?.text ?? "") &&
        right?.type === "string"
      )
        return true;
    }
  }
  return false;
}

export const uploadRule: Rule = {
  id: "upload",
  check(root: Node, report: Report) {
    for (const fn of root.descendantsOfType("function_definition")) {
      const ups = uploadsIn(fn);
      if (ups.size === 0) continue;
      const sink = stores(fn, ups);
      if (!sink || checked(fn, derived(fn, ups))) continue;
      report({
        cwe: "CWE-434",
        rule: "unrestricted-upload",
        message: "uploaded file stored without checking its extension or content; allow-list the types you expect",
        node: sink,
      });
    }
  },
};
