// Regression tests for the false alarms seen on real corrected snippets: each secure pattern below
// must stay silent, and the same program without its guard must still be flagged (so a test cannot
// pass by switching a rule off).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { analyze, loadAnalyzer } from "../../src/analyser/analyze.ts";

before(async () => {
  await loadAnalyzer();
});

const rules = (code: string): string[] => [...new Set(analyze(code).findings.map((f) => f.rule))].sort();
const silent = (code: string) => assert.deepEqual(analyze(code).findings, [], code);
const flagged = (code: string, rule: string) =>
  assert.ok(rules(code).includes(rule), `${rule} expected in:\n${code}\ngot ${rules(code)}`);

const py = (lines: string[]) => lines.join("\n") + "\n";

test("tar-extract: members validated first, then extractall(members=...) over the filtered list", () => {
  const safe = py([
    "import tarfile",
    "",
    "def unpack(archive, dest):",
    "    with tarfile.open(archive) as tar:",
    "        ok = []",
    "        for m in tar.getmembers():",
    "            if m.issym() or m.islnk():",
    "                continue",
    "            if m.name.startswith('/') or '..' in m.name.split('/'):",
    "                continue",
    "            if not m.name.startswith('release/'):",
    "                continue",
    "            ok.append(m)",
    "        tar.extractall(dest, members=ok)",
  ]);
  silent(safe);
  // the same loop collecting every member checks nothing
  flagged(
    py([
      "import tarfile",
      "",
      "def unpack(archive, dest):",
      "    with tarfile.open(archive) as tar:",
      "        ok = []",
      "        for m in tar.getmembers():",
      "            ok.append(m)",
      "        tar.extractall(dest, members=ok)",
    ]),
    "tar-extract",
  );
});

test("tar-extract: a comprehension over a helper that checks names and links", () => {
  const helper = [
    "import tarfile",
    "",
    "def _safe(member):",
    "    if member.issym() or member.islnk():",
    "        return False",
    "    return not (member.name.startswith('/') or '..' in member.name)",
    "",
  ];
  silent(
    py([
      ...helper,
      "def unpack(path, dest):",
      "    tar = tarfile.open(path)",
      "    tar.extractall(dest, members=[m for m in tar.getmembers() if _safe(m)])",
    ]),
  );
  flagged(
    py([
      ...helper,
      "def unpack(path, dest):",
      "    tar = tarfile.open(path)",
      "    tar.extractall(dest, members=[m for m in tar.getmembers() if m.isfile()])",
    ]),
    "tar-extract",
  );
});

test("tar-extract: validation in a separate loop that raises, before a plain extractall", () => {
  const head = [
    "import tarfile",
    "",
    "def unpack(path, dest):",
    "    with tarfile.open(path) as tar:",
    "        for m in tar.getmembers():",
  ];
  silent(
    py([
      ...head,
      "            if m.name.startswith('/') or '..' in m.name or m.issym() or m.islnk():",
      "                raise ValueError('unsafe member: ' + m.name)",
      "        tar.extractall(dest)",
    ]),
  );
  // a loop that only logs does not stop anything
  flagged(py([...head, "            print(m.name)", "        tar.extractall(dest)"]), "tar-extract");
  // a loop that checks names but lets links through
  flagged(
    py([
      ...head,
      "            if m.name.startswith('/') or '..' in m.name:",
      "                raise ValueError(m.name)",
      "        tar.extractall(dest)",
    ]),
    "tar-extract",
  );
});

test("template-injection: a render helper whose template is a literal at every call site", () => {
  const helper = [
    "from jinja2 import Template",
    "",
    "def render(template_source, **ctx):",
    "    return Template(template_source, autoescape=True).render(**ctx)",
    "",
  ];
  silent(
    py([
      ...helper,
      "def greet(name):",
      "    return render('Hello {{ name }}!', name=name)",
      "",
      "def bye(name):",
      "    return render(template_source='Bye {{ name }}', name=name)",
    ]),
  );
  // one call site passes the caller's own argument: the template is user input
  flagged(py([...helper, "def greet(name, layout):", "    return render(layout, name=name)"]), "template-injection");
  // render_template_string through the same kind of helper, fed from the request
  flagged(
    py([
      "from flask import request, render_template_string",
      "",
      "def render(src, **ctx):",
      "    return render_template_string(src, **ctx)",
      "",
      "def page():",
      "    return render(request.args['t'])",
    ]),
    "template-injection",
  );
});

test("jinja-autoescape-off: every user value passes |e, or the template renders no user value", () => {
  silent(
    py([
      "import jinja2",
      "",
      "ROW = '<tr><td>{{ name|e }}</td><td>{{ note | escape }}</td></tr>'",
      "",
      "def row(name, note):",
      "    env = jinja2.Environment(autoescape=False)",
      "    return env.from_string(ROW).render(name=name, note=note)",
    ]),
  );
  silent(
    py([
      "from jinja2 import Environment",
      "",
      "env = Environment(autoescape=False)",
      "",
      "def banner():",
      "    return env.from_string('<h1>{{ title }}</h1>').render(title='Welcome')",
    ]),
  );
  // one value not escaped
  flagged(
    py([
      "import jinja2",
      "",
      "ROW = '<tr><td>{{ name|e }}</td><td>{{ note }}</td></tr>'",
      "",
      "def row(name, note):",
      "    env = jinja2.Environment(autoescape=False)",
      "    return env.from_string(ROW).render(name=name, note=note)",
    ]),
    "jinja-autoescape-off",
  );
  // a template file we cannot see, rendered with user values
  flagged(
    py([
      "from jinja2 import Environment, FileSystemLoader",
      "env = Environment(loader=FileSystemLoader('t'), autoescape=False)",
      "def page(name):",
      "    return env.get_template('p.html').render(name=name)",
    ]),
    "jinja-autoescape-off",
  );
});

test("path-traversal: a guard comparing the joined path's parent with the base folder", () => {
  const tail = ["        abort(400)", "    return open(full).read()"];
  const head = [
    "import os",
    "from flask import abort",
    "",
    "BASE = '/srv/files'",
    "",
    "def read(name):",
    "    full = os.path.join(BASE, name)",
  ];
  silent(py([...head, "    if os.path.dirname(full) != BASE:", ...tail]));
  silent(
    py([
      "from pathlib import Path",
      "from flask import abort",
      "",
      "BASE = Path('/srv/files')",
      "",
      "def read(name):",
      "    full = BASE / name",
      "    if full.parent != BASE:",
      "        abort(400)",
      "    return full.read_text()",
    ]),
  );
  flagged(py([...head, "    if not os.path.exists(full):", ...tail]), "path-traversal");
});

test("open-redirect: redirect(request.url) back to the page itself", () => {
  const head = [
    "from flask import Flask, request, redirect, session",
    "app = Flask(__name__)",
    "",
    "@app.route('/cart')",
    "def cart():",
    "    if 'user' not in session:",
  ];
  silent(
    py([...head, "        session['next'] = request.path", "        return redirect(request.url)", "    return 'ok'"]),
  );
  silent(py([...head, "        return redirect(request.base_url)", "    return 'ok'"]));
  // the path alone is not pinned: "//evil.example/" is a path, and a URL elsewhere
  flagged(py([...head, "        return redirect(request.full_path)", "    return 'ok'"]), "open-redirect");
  flagged(
    py([...head, "        return redirect(request.args.get('next', request.url))", "    return 'ok'"]),
    "open-redirect",
  );
  flagged(py([...head, "        return redirect(request.referrer)", "    return 'ok'"]), "open-redirect");
});

test("html-response-from-input: output escaped before it is returned", () => {
  const head = ["import html", "from flask import Flask, request, make_response", "app = Flask(__name__)", ""];
  // escaping through a helper of the same file
  silent(
    py([
      ...head,
      "def esc(s):",
      "    return html.escape(s, quote=True)",
      "",
      "@app.route('/hi')",
      "def hi():",
      "    name = esc(request.args.get('name', ''))",
      "    return make_response('<p>Hello ' + name + '</p>')",
    ]),
  );
  // each field escaped in a loop before the page is built
  silent(
    py([
      ...head,
      "@app.route('/card')",
      "def card():",
      "    fields = {}",
      "    for k in ('name', 'city'):",
      "        fields[k] = html.escape(request.args.get(k, ''))",
      "    return '<p>%(name)s from %(city)s</p>' % fields",
    ]),
  );
  flagged(
    py([
      ...head,
      "def esc(s):",
      "    return s.strip()",
      "",
      "@app.route('/hi')",
      "def hi():",
      "    name = esc(request.args.get('name', ''))",
      "    return make_response('<p>Hello ' + name + '</p>')",
    ]),
    "html-response-from-input",
  );
});
