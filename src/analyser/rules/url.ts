// CWE-601 (redirects to a URL the request chose), CWE-918 (the server fetches a URL the request
// chose: SSRF) and CWE-20 (host checks that do not check the host: substring, suffix or prefix
// tests on URL text, regexes with unescaped dots, regexes built from input).
// A URL built behind a trusted prefix that fixes its host ("/orders/" + id, API_BASE + path) is
// not flagged: the request picks a path, not a server (CodeQL's "partial SSRF" is out of scope).
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule, Taint } from "../types.ts";
import { K, isTainted, reaches } from "../types.ts";
import { dotted, stringValue } from "../names.ts";

const REDIRECTS = new Set([
  "flask.redirect",
  "redirect",
  "werkzeug.utils.redirect",
  "django.shortcuts.redirect",
  "bottle.redirect",
  "django.http.HttpResponseRedirect",
  "HttpResponseRedirect",
  "django.http.HttpResponsePermanentRedirect",
  "starlette.responses.RedirectResponse",
  "fastapi.responses.RedirectResponse",
  "RedirectResponse",
]);
const HTTP_VERBS = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);
const FETCH_MODULES = /^(requests|httpx)$/;
const FETCH_CALLS = new Set(["urllib.request.urlopen", "urllib.request.Request", "urllib2.urlopen", "urlopen"]);
const HOST_CALLS = new Set(["http.client.HTTPConnection", "http.client.HTTPSConnection", "socket.create_connection"]);
/** Receivers whose get/post/... fetch a URL: requests/httpx sessions and clients, aiohttp sessions. */
const CLIENT_TYPES =
  /^(requests\.Session|requests\.session|httpx\.(Async)?Client|aiohttp\.ClientSession|urllib3\.PoolManager)$/;
const CLIENT_NAMES = /(^|\.)(http|session|client|sess)$/i;

const open = (t: Taint) => reaches(t, K.URL) && !t.pinned;

function redirect(site: CallSite, node: Node, report: Report): void {
  report({
    cwe: "CWE-601",
    rule: "open-redirect",
    message: `redirect to a URL taken from the request without checking its host; redirect to a path or an allow-listed host`,
    node,
  });
}

/** The URL argument of a fetching call, or null when the call fetches nothing. */
function fetchedUrl(site: CallSite): Node | null {
  const mod = site.name.split(".")[0];
  if (FETCH_MODULES.test(mod) && site.name.split(".").length === 2) {
    if (HTTP_VERBS.has(site.method)) return site.args[0] ?? site.kwargs.get("url") ?? null;
    if (site.method === "request") return site.args[1] ?? site.kwargs.get("url") ?? null;
  }
  if (FETCH_CALLS.has(site.name)) return site.args[0] ?? site.kwargs.get("url") ?? null;
  if (HOST_CALLS.has(site.name)) return site.args[0] ?? site.kwargs.get("host") ?? site.kwargs.get("address") ?? null;
  if (site.receiver && (HTTP_VERBS.has(site.method) || site.method === "request")) {
    const isClient = site.receiverType
      ? CLIENT_TYPES.test(site.receiverType)
      : CLIENT_NAMES.test(dotted(site.receiver) ?? "");
    if (!isClient) return null;
    return site.method === "request"
      ? (site.args[1] ?? site.kwargs.get("url") ?? null)
      : (site.args[0] ?? site.kwargs.get("url") ?? null);
  }
  return null;
}

export const redirectRule: Rule = {
  id: "url",
  onCall(site: CallSite, report: Report) {
    if (REDIRECTS.has(site.name)) {
      const url =
        site.args[0] ?? site.kwargs.get("location") ?? site.kwargs.get("url") ?? site.kwargs.get("redirect_to");
      if (url && open(site.taint(url))) redirect(site, site.node, report);
      return;
    }
    if (
      site.method === "send_header" &&
      stringValue(site.args[0] ?? null)?.toLowerCase() === "location" &&
      site.args[1]
    ) {
      if (open(site.taint(site.args[1]))) redirect(site, site.node, report);
      return;
    }
    const url = fetchedUrl(site);
    if (url && open(site.taint(url))) {
      report({
        cwe: "CWE-918",
        rule: "ssrf",
        message: `${site.name || site.method}() fetches a URL whose host comes from the request (SSRF); fix the host or check it against an allow-list`,
        node: site.node,
      });
    }
  },
  onAssign(target: Node, _value: Node, t: Taint, report: Report) {
    // resp.headers["Location"] = url
    if (target.type !== "subscript" || stringValue(target.childForFieldName("subscript"))?.toLowerCase() !== "location")
      return;
    if (open(t))
      report({
        cwe: "CWE-601",
        rule: "open-redirect",
        message: "Location header set to a URL taken from the request without checking its host",
        node: target,
      });
  },
};

/** A literal that looks like a bare host name ("example.com", "://bank.example.com"). */
const HOST_LITERAL = /^(https?:)?(\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
/** An unescaped dot between two name characters, before a top-level-domain-like word. */
const UNESCAPED_DOT =
  /(^|[^\\])[a-z0-9)\]]\.(com|org|net|io|edu|gov|co|uk|de|fr|local|internal|example|corp|dev|app)\b/i;
const REGEX_CALLS = new Set([
  "re.compile",
  "re.match",
  "re.search",
  "re.fullmatch",
  "re.findall",
  "re.finditer",
  "re.sub",
  "re.split",
]);

function hostCheck(report: Report, node: Node, what: string): void {
  report({
    cwe: "CWE-20",
    rule: "weak-host-check",
    message: `${what} does not check the host (evil-example.com, example.com.evil.net pass); parse the URL and compare its hostname`,
    node,
  });
}

export const validationRule: Rule = {
  id: "validation",
  onCall(site: CallSite, report: Report) {
    if (REGEX_CALLS.has(site.name) && site.args[0]) {
      const pattern = site.args[0];
      const lit = stringValue(pattern);
      if (lit !== null && UNESCAPED_DOT.test(lit)) {
        report({
          cwe: "CWE-20",
          rule: "regex-unescaped-dot",
          message: `regex ${pattern.text} has an unescaped "." in a host name: it matches any character`,
          node: site.node,
        });
      } else if (lit === null && reaches(site.taint(pattern), K.REGEX)) {
        report({
          cwe: "CWE-730",
          rule: "regex-from-input",
          message: `${site.name}() on a pattern built from untrusted data (ReDoS, wrong matches); use re.escape`,
          node: site.node,
        });
      }
      return;
    }
    if (!site.receiver || !isTainted(site.taint(site.receiver), K.URL)) return;
    const lit = stringValue(site.args[0] ?? null);
    if (lit === null) return;
    if (site.method === "endswith" && HOST_LITERAL.test(lit) && !lit.startsWith("."))
      hostCheck(report, site.node, `endswith("${lit}")`);
    else if (site.method === "startswith" && /^[a-z][\w+.-]*:\/\/[^/]+$/i.test(lit))
      hostCheck(report, site.node, `startswith("${lit}") without a "/" after the host`);
    else if (site.method === "find" && HOST_LITERAL.test(lit)) hostCheck(report, site.node, `find("${lit}")`);
  },
  check(root: Node, report: Report) {
    // "example.com" in url
    for (const n of root.descendantsOfType("comparison_operator")) {
      const ops = n.childrenForFieldName("operators").map((o) => o.text.replace(/\s+/g, " "));
      if (!ops.includes("in") && !ops.includes("not in")) continue;
      const lit = stringValue(n.namedChildren[0] ?? null);
      const right = n.namedChildren[1];
      if (
        lit !== null &&
        HOST_LITERAL.test(lit.replace(/^:\/\//, "//")) &&
        right &&
        stringValue(right) === null &&
        right.type !== "list" &&
        right.type !== "tuple" &&
        right.type !== "set"
      ) {
        hostCheck(report, n, `a substring test for "${lit}"`);
      }
    }
  },
};
