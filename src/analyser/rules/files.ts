// CWE-377: temporary files with predictable names (tempfile.mktemp, fixed /tmp paths) that another
// user can create first. CWE-732: files and folders made writable by everyone (or secret files
// readable by everyone), through chmod, os.open, mkdir modes or a zero umask.
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { dotted, stringValue } from "../names.ts";

const MKTEMP = new Set(["tempfile.mktemp", "os.tempnam", "os.tmpnam"]);
const SHARED_TMP = /^\/(var\/)?tmp\//;
const WRITE_MODE = /[wax+]/;
const STAT_BITS: Record<string, number> = {
  S_IRWXU: 0o700,
  S_IRUSR: 0o400,
  S_IWUSR: 0o200,
  S_IXUSR: 0o100,
  S_IRWXG: 0o070,
  S_IRGRP: 0o040,
  S_IWGRP: 0o020,
  S_IXGRP: 0o010,
  S_IRWXO: 0o007,
  S_IROTH: 0o004,
  S_IWOTH: 0o002,
  S_IXOTH: 0o001,
};
/** Where the mode argument sits. */
const MODE_AT = new Map<string, number>([
  ["os.chmod", 1],
  ["os.fchmod", 1],
  ["os.lchmod", 1],
  ["os.open", 2],
  ["os.mkdir", 1],
  ["os.makedirs", 1],
  ["os.mkfifo", 1],
]);
const SECRET_FILE = /key|secret|passw|token|credential|\.pem|id_rsa|\.env|shadow|private/i;

/** The text a path expression starts with: a literal, an f-string's or a concatenation's first piece. */
function leadingText(n: Node | null): string | null {
  if (!n) return null;
  if (n.type === "string") {
    const first = n.namedChildren.find((c) => c && c.type !== "string_start");
    return first?.type === "string_content" ? first.text : null;
  }
  if (n.type === "binary_operator") return leadingText(n.childForFieldName("left"));
  if (n.type === "call") {
    const fn = n.childForFieldName("function");
    if (fn?.type === "attribute") return leadingText(fn.childForFieldName("object")); // "/tmp/{}".format(x)
    if (/(^|\.)Path$/.test(dotted(fn) ?? ""))
      return leadingText(n.childForFieldName("arguments")?.namedChildren[0] ?? null);
  }
  return null;
}

/** Constant values assigned to simple names in the file (module constants and locals alike). */
function constants(root: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const a of root.descendantsOfType("assignment")) {
    const l = a.childForFieldName("left");
    const r = a.childForFieldName("right");
    if (l?.type === "identifier" && r) out.set(l.text, r);
  }
  return out;
}

/** The permission bits an expression stands for, or null when unknown. `st.st_mode | X` counts X. */
function modeBits(n: Node | null, consts: Map<string, Node>, depth = 0): number | null {
  if (!n || depth > 4) return null;
  if (n.type === "integer") {
    const t = n.text.toLowerCase().replace(/_/g, "");
    return t.startsWith("0o") ? parseInt(t.slice(2), 8) : /^0\d+$/.test(t) ? parseInt(t, 8) : Number(t);
  }
  if (n.type === "identifier" && consts.has(n.text)) return modeBits(consts.get(n.text)!, consts, depth + 1);
  const name = dotted(n);
  const bit = name?.split(".").pop();
  if (bit && bit in STAT_BITS) return STAT_BITS[bit];
  if (n.type === "binary_operator" && n.childForFieldName("operator")?.text === "|") {
    const l = modeBits(n.childForFieldName("left"), consts, depth + 1) ?? 0;
    const r = modeBits(n.childForFieldName("right"), consts, depth + 1) ?? 0;
    return l | r;
  }
  if (n.type === "parenthesized_expression") return modeBits(n.namedChildren[0] ?? null, consts, depth + 1);
  return null;
}

function enclosingFunction(n: Node): Node {
  let f: Node = n;
  while (f.parent && f.type !== "function_definition") f = f.parent;
  return f;
}

export const fileRule: Rule = {
  id: "files",
  onCall(site: CallSite, report: Report) {
    if (MKTEMP.has(site.name)) {
      report({
        cwe: "CWE-377",
        rule: "insecure-temp-file",
        message: `${site.name}() returns a name another process can create first; use tempfile.mkstemp or NamedTemporaryFile`,
        node: site.node,
      });
    }
  },
  check(root: Node, report: Report) {
    const consts = constants(root);
    const tmpText = (n: Node | null): boolean => {
      const direct = leadingText(n);
      if (direct !== null) return SHARED_TMP.test(direct);
      return n?.type === "identifier" && consts.has(n.text)
        ? SHARED_TMP.test(leadingText(consts.get(n.text)!) ?? "")
        : false;
    };
    for (const call of root.descendantsOfType("call")) {
      const fn = call.childForFieldName("function");
      const name = dotted(fn) ?? "";
      const args = (call.childForFieldName("arguments")?.namedChildren ?? []).filter(
        (c): c is Node => !!c && c.type !== "keyword_argument" && c.type !== "comment",
      );
      const kw = (k: string) =>
        call
          .childForFieldName("arguments")
          ?.namedChildren.find((c) => c?.type === "keyword_argument" && c.childForFieldName("name")?.text === k)
          ?.childForFieldName("value") ?? null;
      // open("/tmp/report.csv", "w"), Path("/var/tmp/x").write_text(...)
      const isOpen = name === "open" || name === "io.open" || name === "codecs.open";
      const mode = stringValue(args[1] ?? kw("mode")) ?? "r";
      const writesTmp =
        (isOpen && WRITE_MODE.test(mode) && tmpText(args[0] ?? null)) ||
        (fn?.type === "attribute" &&
          /^(write_text|write_bytes|touch)$/.test(fn.childForFieldName("attribute")?.text ?? "") &&
          tmpText(fn.childForFieldName("object")));
      if (writesTmp) {
        report({
          cwe: "CWE-377",
          rule: "predictable-temp-path",
          message:
            "file written at a fixed or guessable path in a shared temporary folder; use tempfile.mkstemp or NamedTemporaryFile",
          node: call,
        });
      }
      // permissions
      const method = fn?.type === "attribute" ? fn.childForFieldName("attribute")?.text : null;
      const last = name.split(".").pop() ?? "";
      const at = MODE_AT.get(name) ?? (method === "chmod" || method === "mkdir" ? 0 : undefined);
      if (
        name === "os.umask" &&
        modeBits(args[0] ?? null, consts) !== null &&
        (modeBits(args[0] ?? null, consts)! & 0o002) === 0
      ) {
        report({
          cwe: "CWE-732",
          rule: "world-writable",
          message: "os.umask() that leaves new files writable by everyone; use 0o022 or stricter",
          node: call,
        });
        continue;
      }
      if (at === undefined || (last !== "chmod" && !MODE_AT.has(name) && method !== "mkdir")) continue;
      const bits = modeBits(kw("mode") ?? args[at] ?? null, consts);
      if (bits === null) continue;
      const target =
        (MODE_AT.has(name) ? args[0] : fn?.type === "attribute" ? fn.childForFieldName("object") : null)?.text ?? "";
      if (bits & 0o002) {
        report({
          cwe: "CWE-732",
          rule: "world-writable",
          message: `mode ${"0o" + bits.toString(8)} makes ${target || "the file"} writable by everyone`,
          node: call,
        });
      } else if (bits & 0o004 && SECRET_FILE.test(target + " " + enclosingFunction(call).text)) {
        report({
          cwe: "CWE-732",
          rule: "world-readable-secret",
          message: `mode ${"0o" + bits.toString(8)} lets everyone read ${target}, which holds a secret`,
          node: call,
        });
      }
    }
  },
};
