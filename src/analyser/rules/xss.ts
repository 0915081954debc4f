// CWE-79: untrusted data rendered as HTML without escaping. CWE-1336: a template's source built
// from untrusted data (server-side template injection): escaping the data first does not help,
// `{{ ... }}` survives HTML escaping, so only a template variable or a sandbox is safe.
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule, Taint } from "../types.ts";
import { K, isTainted, reaches } from "../types.ts";
import { isTrue, stringValue } from "../names.ts";
import { finishJinja, noteAutoescapeOff, noteRender } from "./jinja.ts";

const TEMPLATE_STRING = new Set(["flask.render_template_string", "render_template_string"]);
/** Template classes whose first argument is template source. */
const TEMPLATE_CTORS = new Set([
  "jinja2.Template",
  "django.template.Template",
  "mako.template.Template",
  "jinja2.environment.Template",
]);
const MARKUP = new Set([
  "markupsafe.Markup",
  "flask.Markup",
  "jinja2.Markup",
  "Markup",
  "django.utils.safestring.mark_safe",
  "mark_safe",
]);
const ENVIRONMENT = new Set(["jinja2.Environment", "jinja2.environment.Environment", "jinja2.Template"]);
const RESPONSES = new Set([
  "flask.make_response",
  "make_response",
  "flask.Response",
  "werkzeug.wrappers.Response",
  "Response",
  "django.http.HttpResponse",
  "HttpResponse",
  "starlette.responses.HTMLResponse",
  "fastapi.responses.HTMLResponse",
  "HTMLResponse",
]);
/** Expressions whose value is a string built right there (not a call's opaque result). */
const STRING_BUILDING = new Set(["string", "concatenated_string", "binary_operator"]);

/** Untrusted data spliced into a string that carries HTML markup, or request data sent whole. */
function htmlSplice(t: Taint): boolean {
  return reaches(t, K.HTML) && ((t.built && t.html) || (t.remote && !t.built));
}

/** The response is declared as something other than HTML (kwarg, or set later on the variable). */
function notHtml(site: CallSite): boolean {
  for (const k of ["mimetype", "content_type", "media_type"]) {
    const v = stringValue(site.kwargs.get(k) ?? null);
    if (v !== null && !/html/i.test(v)) return true;
  }
  if (!site.target) return false;
  let fn: Node | null = site.node.parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  const t = site.target.replace(/[.$]/g, "\\$&");
  const set = new RegExp(
    `${t}\\.(mimetype|content_type)\\s*=\\s*["'](?![^"']*html)|${t}\\.headers\\[["']Content-Type["']\\]\\s*=\\s*["'](?![^"']*html)`,
    "i",
  );
  return fn !== null && set.test(fn.text);
}

function templateInjection(site: CallSite, report: Report): void {
  report({
    cwe: "CWE-1336",
    rule: "template-injection",
    message: `${site.name || site.method}() compiles a template built from untrusted data (server-side template injection); pass the data as a template variable`,
    node: site.node,
  });
}

export const xssRule: Rule = {
  id: "xss",
  finish: finishJinja,
  onCall(site: CallSite, report: Report) {
    noteRender(site);
    const a0 = site.args[0] ?? site.kwargs.get("source") ?? site.kwargs.get("response") ?? site.kwargs.get("content");
    if (TEMPLATE_STRING.has(site.name) && a0) {
      const t = site.taint(a0);
      if (isTainted(t, K.TEMPLATE) && (t.built || t.remote)) templateInjection(site, report);
      if (reaches(t, K.HTML)) {
        report({
          cwe: "CWE-79",
          rule: "template-from-input",
          message:
            "render_template_string() on a template built from unescaped untrusted data (XSS); pass data as variables",
          node: site.node,
        });
      }
      return;
    }
    const sandboxed = /sandbox/i.test(site.receiverType ?? "") || /sandbox/i.test(site.receiver?.text ?? "");
    if (
      (TEMPLATE_CTORS.has(site.name) || (site.method === "from_string" && site.receiver && !sandboxed)) &&
      a0 &&
      isTainted(site.taint(a0), K.TEMPLATE)
    ) {
      templateInjection(site, report);
    }
    if (MARKUP.has(site.name) && a0 && isTainted(site.taint(a0), K.HTML)) {
      report({
        cwe: "CWE-79",
        rule: "markup-untrusted",
        message: `${site.name}() marks untrusted data as safe HTML; escape it first`,
        node: site.node,
      });
    } else if (ENVIRONMENT.has(site.name)) {
      const ae = site.kwargs.get("autoescape");
      // judged at the end of the file, by what is rendered (jinja.ts)
      if (!ae || ae.type === "false" || (ae.type !== "call" && ae.type !== "identifier" && !isTrue(ae)))
        noteAutoescapeOff(site);
    } else if (RESPONSES.has(site.name) && a0 && htmlSplice(site.taint(a0)) && !notHtml(site)) {
      report({
        cwe: "CWE-79",
        rule: "html-response-from-input",
        message: "HTML response built from untrusted data without escaping",
        node: site.node,
      });
    }
  },
  onReturn(value: Node, t: Taint, fn, report: Report) {
    if (!fn.isRoute) return;
    const body = value.type === "expression_list" || value.type === "tuple" ? value.namedChildren[0] : value;
    if (!body || !reaches(t, K.HTML) || !t.built || !(t.html || STRING_BUILDING.has(body.type))) return;
    report({
      cwe: "CWE-79",
      rule: "html-response-from-input",
      message: `route ${fn.name}() returns HTML built from untrusted data without escaping; use a template or html.escape`,
      node: value,
    });
  },
};
