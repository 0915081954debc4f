// CWE-327: broken ciphers and modes (DES, 3DES, RC4, Blowfish, ECB) and MD5/SHA-1 as a signature.
import type { CallSite, Report, Rule } from "../types.ts";
import { dotted } from "../names.ts";

/** Cipher modules and classes whose use is broken whatever the key. */
const BROKEN_CIPHER = /(^|\.)(DES|DES3|ARC4|ARC2|Blowfish|CAST|XOR|TripleDES|Blowfish|IDEA|RC4)(\.new)?$/;
const SIGNATURE = /(^|_)(sig|signature|signed|sign|mac|hmac)(_|$)/i;

export const cipherRule: Rule = {
  id: "ciphers",
  onCall(site: CallSite, report: Report) {
    const lib = /^(Crypto|Cryptodome|cryptography)\./.test(site.name);
    if (lib && BROKEN_CIPHER.test(site.name)) {
      report({
        cwe: "CWE-327",
        rule: "broken-cipher",
        message: `${site.name}() is a broken cipher; use AES-GCM, ChaCha20-Poly1305 or Fernet`,
        node: site.node,
      });
      return;
    }
    const ecb =
      /(^|\.)modes\.ECB$/.test(site.name) ||
      (site.method === "new" && site.args.some((a) => /(^|\.)MODE_ECB$/.test(dotted(a) ?? "")));
    if (lib && ecb) {
      report({
        cwe: "CWE-327",
        rule: "ecb-mode",
        message: "ECB mode leaks patterns of the plaintext; use an authenticated mode (GCM)",
        node: site.node,
      });
      return;
    }
    // signature = hashlib.md5(secret + data): a forgeable home-made MAC
    if ((site.name === "hashlib.md5" || site.name === "hashlib.sha1") && site.target && SIGNATURE.test(site.target)) {
      report({
        cwe: "CWE-327",
        rule: "weak-signature",
        message: `${site.name}() used as a signature; use hmac.new(key, msg, hashlib.sha256)`,
        node: site.node,
      });
    }
  },
};
