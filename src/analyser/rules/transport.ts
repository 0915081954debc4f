// CWE-295: TLS or SSH connections that do not check who is on the other end.
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { dotted, resolveName, stringValue } from "../names.ts";
import { importAliases } from "../names.ts";

const UNVERIFIED_CONTEXTS = new Set(["ssl._create_unverified_context", "ssl._create_stdlib_context"]);
const AUTO_ADD = /(^|\.)(AutoAddPolicy|WarningPolicy)$/;

function hit(report: Report, node: Node, what: string): void {
  report({
    cwe: "CWE-295",
    rule: "tls-unverified",
    message: `${what}: the peer's certificate or host key is not checked (man in the middle)`,
    node,
  });
}

export const tlsRule: Rule = {
  id: "tls",
  onCall(site: CallSite, report: Report) {
    const verify = site.kwargs.get("verify");
    if (verify?.type === "false") hit(report, site.node, `${site.name || site.method}(verify=False)`);
    const ssl = site.kwargs.get("ssl");
    if (ssl?.type === "false") hit(report, site.node, `${site.name || site.method}(ssl=False)`);
    if (
      stringValue(site.kwargs.get("cert_reqs") ?? null) === "CERT_NONE" ||
      dotted(site.kwargs.get("cert_reqs") ?? null)?.endsWith("CERT_NONE")
    ) {
      hit(report, site.node, `${site.name}(cert_reqs=CERT_NONE)`);
    }
    if (UNVERIFIED_CONTEXTS.has(site.name)) hit(report, site.node, `${site.name}()`);
    if (site.method === "set_missing_host_key_policy" && site.args[0]) {
      const policy =
        site.args[0].type === "call" ? dotted(site.args[0].childForFieldName("function")) : dotted(site.args[0]);
      if (policy && AUTO_ADD.test(policy)) hit(report, site.node, `${policy}`);
    }
  },
  check(root: Node, report: Report) {
    const aliases = importAliases(root);
    // ctx.verify_mode = ssl.CERT_NONE; ctx.check_hostname = False; session.verify = False
    for (const a of root.descendantsOfType("assignment")) {
      const left = a.childForFieldName("left");
      const right = a.childForFieldName("right");
      const attr = left?.type === "attribute" ? left.childForFieldName("attribute")?.text : null;
      if (!attr || !right) continue;
      if (attr === "verify_mode" && resolveName(dotted(right) ?? "", aliases).endsWith("CERT_NONE"))
        hit(report, a, "verify_mode = CERT_NONE");
      else if (attr === "verify" && right.type === "false") hit(report, a, `${left!.text} = False`);
    }
  },
};
