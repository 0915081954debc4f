// CWE-522: a password stored as the user typed it (or merely encoded): written by an SQL INSERT or
// UPDATE, an ORM model or `objects.create`, a document store, a cache, or a file. "As typed" is the
// taint's plainpw flag: set on password-named parameters, request fields and getpass(), cleared by
// any hashing or encryption call (their results are clean).
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule, Taint } from "../types.ts";
import { isPlainPasswordName } from "../semantics.ts";

const SQL_METHODS = new Set(["execute", "executemany"]);
const WRITE = /^\s*["'f]*\s*(INSERT|UPDATE|REPLACE)\b/i;
/** Calls that put a value into storage (document stores, caches, serialisers, files, ORMs). */
const STORE_METHODS = new Set([
  "insert",
  "insert_one",
  "insert_many",
  "update_one",
  "update_many",
  "replace_one",
  "set",
  "hset",
  "hmset",
  "mset",
  "put",
  "put_item",
  "setex",
  "dump",
  "writerow",
  "writerows",
  "write",
  "create",
  "save",
]);
const MODEL_MODULE = /(^|\.)(models?|schemas?|entities|orm|db)\./i;

const FILE_WRITES = new Set(["dump", "write", "writerow", "writerows", "json.dump", "pickle.dump", "yaml.dump"]);

/** The function creates its file readable by the owner only (os.open/chmod/umask with a 0o?00 mode): the accepted way to keep a credential. */
function privateFile(n: Node): boolean {
  let f: Node = n;
  while (f.parent && f.type !== "function_definition") f = f.parent;
  return /\b(os\.open|chmod|fchmod|umask)\([^)]*\b0o[0-7]00\b|umask\(\s*0o077\s*\)/.test(f.text);
}

function plain(report: Report, node: Node, where: string): void {
  report({
    cwe: "CWE-522",
    rule: "plaintext-password",
    message: `password stored in plain text (${where}); store a bcrypt, scrypt, argon2 or PBKDF2 hash`,
    node,
  });
}

export const credentialRule: Rule = {
  id: "credentials",
  onCall(site: CallSite, report: Report) {
    if (site.receiver && SQL_METHODS.has(site.method)) {
      const q = site.args[0];
      const params = site.args[1];
      if (q && params && WRITE.test(q.text.replace(/^[rRbBuU]?["']{1,3}/, '"')) && site.taint(params).plainpw)
        plain(report, site.node, `${site.method}()`);
      return;
    }
    const isStore =
      (site.receiver !== null && STORE_METHODS.has(site.method)) ||
      site.name === "json.dump" ||
      site.name === "pickle.dump" ||
      site.name === "yaml.dump";
    const last = site.name.split(".").pop() ?? "";
    const isModel =
      site.receiver === null && /^[A-Z]/.test(last) && (MODEL_MODULE.test(site.name) || !site.name.includes("."));
    if (!isStore && !isModel) return;
    for (const [k, v] of site.kwargs) {
      const t = site.taint(v);
      if (t.plainpw && (isPlainPasswordName(k) || k === "mapping" || isStore))
        return plain(report, site.node, `${site.name || site.method}(${k}=...)`);
    }
    if (
      isStore &&
      site.args.some((a) => site.taint(a).plainpw) &&
      !(FILE_WRITES.has(site.method) && privateFile(site.node))
    ) {
      plain(report, site.node, `${site.name || site.method}()`);
    }
  },
  onAssign(target: Node, _value: Node, t: Taint, report: Report) {
    // user.password = new_password (an ORM column), not self.password in a client class
    if (target.type !== "attribute" || !t.plainpw) return;
    const attr = target.childForFieldName("attribute")?.text ?? "";
    if (!/passw|(^|_)pw(_|$)|pwd/i.test(attr)) return;
    const obj = target.childForFieldName("object")?.text;
    if (obj === "self") {
      let cls: Node | null = target.parent;
      while (cls && cls.type !== "class_definition") cls = cls.parent;
      const bases = cls?.childForFieldName("superclasses")?.text ?? "";
      if (!/Model|Base|Document|Entity|Table/.test(bases)) return;
    }
    plain(report, target, `${target.text} = ...`);
  },
};
