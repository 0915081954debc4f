// CWE-798: credentials written into the source as string literals (assignments, keyword arguments,
// dict entries, default parameters, and comparisons against a literal).
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { stringValue } from "../names.ts";

/** Names whose value is a credential: the secret word must end the name (DB_PASSWORD, app.secret_key). */
const SECRET_NAME =
  /(^|_)(password|passwd|passwort|pwd|pw|pass|passphrase|secret|secret_key|secretkey|api_key|apikey|api_token|api_secret|access_token|auth_token|token|private_key|access_key|secret_access_key|client_secret|credentials?|jwt_secret|signing_key|encryption_key)$/i;

/** The last meaningful segment of a target: `app.config["SECRET_KEY"]` -> SECRET_KEY, `self.pw` -> pw. */
function targetName(n: Node): string | null {
  switch (n.type) {
    case "identifier":
      return n.text;
    case "attribute":
      return n.childForFieldName("attribute")?.text ?? null;
    case "subscript": {
      const key = n.childForFieldName("subscript");
      return stringValue(key);
    }
    default:
      return null;
  }
}

function isSecretName(name: string | null): boolean {
  return name !== null && SECRET_NAME.test(name.replace(/^_+/, ""));
}

/** A non-empty string literal (or bytes literal) that is not a placeholder for "read it elsewhere". */
function literalSecret(n: Node | null): boolean {
  const v = stringValue(n);
  if (v === null || v.trim() === "") return false;
  return !/^\$\{?[A-Z_]+\}?$/.test(v); // "${DB_PASSWORD}"-style templates are substituted at deploy time
}

/** Calls whose positional argument at this index is a key or password. */
const KEY_ARGS = new Map<string, number>([
  ["jwt.encode", 1],
  ["jwt.decode", 1],
  ["hmac.new", 0],
  ["requests.auth.HTTPBasicAuth", 1],
  ["requests.auth.HTTPDigestAuth", 1],
  ["itsdangerous.URLSafeSerializer", 0],
  ["itsdangerous.URLSafeTimedSerializer", 0],
  ["itsdangerous.Serializer", 0],
  ["cryptography.fernet.Fernet", 0],
]);

export const secretsRule: Rule = {
  id: "secrets",
  onCall(site: CallSite, report: Report) {
    // smtp.login("user", "password"), ftp.login(user, "pw"): the second argument is the password
    const idx = KEY_ARGS.get(site.name) ?? (site.receiver && site.method === "login" ? 1 : undefined);
    const arg = idx === undefined ? undefined : site.args[idx];
    if (arg && literalSecret(arg)) {
      report({
        cwe: "CWE-798",
        rule: "hardcoded-credential",
        message: `hard-coded credential passed to ${site.name || site.method}(); read it from the environment or a secrets store`,
        node: site.node,
      });
    }
  },
  check(root: Node, report: Report) {
    const hit = (node: Node, what: string): void =>
      report({
        cwe: "CWE-798",
        rule: "hardcoded-credential",
        message: `hard-coded credential ${what}; read it from the environment or a secrets store`,
        node,
      });
    for (const n of root.descendantsOfType([
      "assignment",
      "keyword_argument",
      "pair",
      "default_parameter",
      "typed_default_parameter",
      "comparison_operator",
    ])) {
      switch (n.type) {
        case "assignment": {
          const left = n.childForFieldName("left");
          const right = n.childForFieldName("right");
          if (left && isSecretName(targetName(left)) && literalSecret(right)) hit(n, `assigned to ${left.text}`);
          break;
        }
        case "keyword_argument":
        case "default_parameter":
        case "typed_default_parameter": {
          const name = n.childForFieldName("name")?.text ?? null;
          if (isSecretName(name) && literalSecret(n.childForFieldName("value"))) hit(n, `passed as ${name}=`);
          break;
        }
        case "pair": {
          const key = stringValue(n.childForFieldName("key"));
          if (isSecretName(key) && literalSecret(n.childForFieldName("value"))) hit(n, `in a dict entry "${key}"`);
          break;
        }
        case "comparison_operator": {
          const ops = n.childrenForFieldName("operators").map((o) => o.text);
          if (!ops.every((o) => o === "==" || o === "!=")) break;
          const [a, b] = [n.namedChildren[0], n.namedChildren[1]];
          if (!a || !b) break;
          const named = (x: Node) => isSecretName(targetName(x));
          if ((named(a) && literalSecret(b)) || (named(b) && literalSecret(a))) hit(n, "compared against a literal");
          break;
        }
      }
    }
  },
};
