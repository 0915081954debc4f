// CWE-327 / CWE-916: passwords hashed with a broken (MD5, SHA-1) or a fast unsalted general-purpose
// hash instead of a password hashing function (bcrypt, scrypt, argon2, PBKDF2).
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { mentionedNames, stringValue } from "../names.ts";
import { PASSWORD_NAME } from "../semantics.ts";

const BROKEN = new Map([
  ["hashlib.md5", "MD5"],
  ["hashlib.sha1", "SHA-1"],
  ["Crypto.Hash.MD5.new", "MD5"],
  ["Crypto.Hash.SHA1.new", "SHA-1"],
  ["Cryptodome.Hash.MD5.new", "MD5"],
  ["md5.new", "MD5"],
  ["sha.new", "SHA-1"],
]);
const FAST = new Set([
  "hashlib.sha224",
  "hashlib.sha256",
  "hashlib.sha384",
  "hashlib.sha512",
  "hashlib.sha3_256",
  "hashlib.sha3_512",
  "hashlib.blake2b",
  "hashlib.blake2s",
]);
const PASSWORD = PASSWORD_NAME;
/** Functions whose job is hashing a password: whatever they hash is one. */
const PASSWORD_FN = /password|passwd|(^|_)pwd(_|$)|(^|_)pw(_|$)/i;

function algorithm(site: CallSite): { name: string; broken: boolean } | null {
  if (BROKEN.has(site.name)) return { name: BROKEN.get(site.name)!, broken: true };
  if (FAST.has(site.name)) return { name: site.name.slice("hashlib.".length).toUpperCase(), broken: false };
  if (site.name === "hashlib.new") {
    const alg = stringValue(site.args[0] ?? site.kwargs.get("name") ?? null)?.toLowerCase();
    if (alg === "md5" || alg === "sha1" || alg === "md4") return { name: alg.toUpperCase(), broken: true };
    if (alg && /^(sha(224|256|384|512)|sha3_\d+|blake2[bs])$/.test(alg))
      return { name: alg.toUpperCase(), broken: false };
  }
  return null;
}

function mentionsPassword(nodes: Node[]): boolean {
  return nodes.some((n) => mentionedNames(n).some((name) => name.split(".").some((seg) => PASSWORD.test(seg))));
}

function report(site: CallSite, alg: { name: string; broken: boolean }, out: Report): void {
  out({
    cwe: alg.broken ? "CWE-327" : "CWE-916",
    rule: alg.broken ? "weak-password-hash" : "fast-password-hash",
    message: alg.broken
      ? `password hashed with ${alg.name}, a broken hash; use bcrypt, scrypt, argon2 or hashlib.pbkdf2_hmac`
      : `password hashed with plain ${alg.name} (fast, no work factor); use bcrypt, scrypt, argon2 or hashlib.pbkdf2_hmac`,
    node: site.node,
  });
}

export const hashingRule: Rule = {
  id: "hashing",
  onCall(site: CallSite, out: Report) {
    const used = site.kwargs.get("usedforsecurity");
    if (used?.type === "false") return;
    const alg = algorithm(site);
    if (alg) {
      const data = site.name === "hashlib.new" ? site.args.slice(1) : site.args;
      const targetIsPassword = site.target !== null && PASSWORD.test(site.target);
      const fnIsPassword = PASSWORD_FN.test(site.functionName);
      if (mentionsPassword([...data, ...site.kwargs.values()]) || targetIsPassword || fnIsPassword)
        report(site, alg, out);
      return;
    }
    // h = hashlib.md5(); h.update(password)
    if (site.method === "update" && site.receiverType) {
      const fake = { ...site, name: site.receiverType, args: [] } as CallSite;
      const a = algorithm(fake);
      if (a && mentionsPassword(site.args)) report(site, a, out);
    }
  },
};
