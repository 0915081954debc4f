// CWE-330: the `random` module (a Mersenne Twister, predictable from its output) used to make
// tokens, passwords, keys, salts, codes or session ids. What a value is for is read from the name
// it is given: the assignment target, keyword, dict key, or the function that returns it. A random
// value embedded in prose ("Hello {random.choice(...)}") is a message, not a secret.
import type { Node } from "web-tree-sitter";
import type { Report, Rule } from "../types.ts";
import { dotted, importAliases, resolveName, stringValue } from "../names.ts";

const PREDICTABLE = new Set([
  "random",
  "randint",
  "randrange",
  "choice",
  "choices",
  "sample",
  "getrandbits",
  "uniform",
  "shuffle",
  "randbytes",
]);
const SECRET_USE =
  /token|passw|pwd|(^|_)pw(_|$)|secret|(^|_)key(s)?(_|$)|apikey|salt|nonce|otp|(^|_)pin(_|$)|session|sid$|csrf|code|invite|reset|verif|auth|cookie|iv$/i;

/** The name a value is stored or returned under, walking up from an expression. */
function useName(n: Node): string | null {
  let cur: Node | null = n;
  while (cur?.parent) {
    const p: Node = cur.parent;
    switch (p.type) {
      case "assignment":
      case "augmented_assignment": {
        const left = p.childForFieldName("left");
        return left ? (left.type === "subscript" ? stringValue(left.childForFieldName("subscript")) : left.text) : null;
      }
      case "keyword_argument":
        return p.childForFieldName("name")?.text ?? null;
      case "pair":
        return stringValue(p.childForFieldName("key"));
      case "return_statement": {
        let f: Node | null = p.parent;
        while (f && f.type !== "function_definition") f = f.parent;
        return f?.childForFieldName("name")?.text ?? null;
      }
      case "string":
        // an interpolation inside text: the value is part of a message
        if (p.namedChildren.some((c) => c?.type === "string_content" && /[a-z]{2}/i.test(c.text))) return null;
        break;
      case "expression_statement":
      case "block":
        return null;
    }
    cur = p;
  }
  return null;
}

export const randomnessRule: Rule = {
  id: "randomness",
  check(root: Node, report: Report) {
    const aliases = importAliases(root);
    for (const call of root.descendantsOfType("call")) {
      const name = resolveName(dotted(call.childForFieldName("function")) ?? "", aliases);
      const [mod, fn] = name.split(".");
      if (mod !== "random" || !PREDICTABLE.has(fn ?? "") || name.split(".").length !== 2) continue;
      const use = useName(call);
      if (use && SECRET_USE.test(use)) {
        report({
          cwe: "CWE-330",
          rule: "predictable-random",
          message: `${name}() makes ${use}, a value that must be unguessable; use the secrets module`,
          node: call,
        });
      }
    }
  },
};
