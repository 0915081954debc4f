// CWE-89 (SQL built from untrusted data), CWE-78 (shell commands holding untrusted data),
// CWE-94 (eval/exec of untrusted data).
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { K, isTainted, reaches } from "../types.ts";
import { isTrue, stringValue } from "../names.ts";

const SQL_METHODS = new Set([
  "execute",
  "executemany",
  "executescript",
  "raw",
  "mogrify",
  "read_sql",
  "read_sql_query",
]);
const SQL_CALLS = new Set(["sqlalchemy.text", "sqlalchemy.sql.text", "pandas.read_sql", "pandas.read_sql_query"]);

export const sqlRule: Rule = {
  id: "sql",
  onCall(site: CallSite, report: Report) {
    const isSink = SQL_CALLS.has(site.name) || (site.receiver !== null && SQL_METHODS.has(site.method));
    if (!isSink) return;
    const q = site.args[0] ?? site.kwargs.get("sql") ?? site.kwargs.get("operation") ?? site.kwargs.get("query");
    if (!q || !reaches(site.taint(q), K.SQL)) return;
    report({
      cwe: "CWE-89",
      rule: "sql-built-query",
      message: `SQL passed to ${site.method}() is built from untrusted data; use placeholders and pass values separately`,
      node: site.node,
    });
  },
};

const ALWAYS_SHELL = new Set([
  "os.system",
  "os.popen",
  "os.popen2",
  "os.popen3",
  "os.popen4",
  "commands.getoutput",
  "commands.getstatusoutput",
  "subprocess.getoutput",
  "subprocess.getstatusoutput",
  "asyncio.create_subprocess_shell",
  "popen2.popen2",
]);
const SUBPROCESS = new Set([
  "subprocess.run",
  "subprocess.call",
  "subprocess.check_call",
  "subprocess.check_output",
  "subprocess.Popen",
]);
const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|zsh|dash|ash|ksh)$/;

/** `["sh", "-c", cmd]`: the command string after -c. */
function shellDashC(list: Node): Node | null {
  if (list.type !== "list" && list.type !== "tuple") return null;
  const els = list.namedChildren.filter((c) => c && c.type !== "comment");
  const first = stringValue(els[0] ?? null);
  if (first === null || !SHELLS.test(first)) return null;
  const i = els.findIndex((e) => e && stringValue(e) === "-c");
  return i >= 0 ? (els[i + 1] ?? null) : null;
}

export const shellRule: Rule = {
  id: "shell",
  onCall(site: CallSite, report: Report) {
    const cmd = site.args[0] ?? site.kwargs.get("args") ?? site.kwargs.get("cmd") ?? site.kwargs.get("command");
    if (!cmd) return;
    let hit = false;
    if (ALWAYS_SHELL.has(site.name)) hit = reaches(site.taint(cmd), K.SHELL);
    else if (SUBPROCESS.has(site.name)) {
      if (isTrue(site.kwargs.get("shell"))) hit = reaches(site.taint(cmd), K.SHELL);
      else {
        const inner = shellDashC(cmd);
        hit = inner !== null && reaches(site.taint(inner), K.SHELL);
      }
    }
    if (hit) {
      report({
        cwe: "CWE-78",
        rule: "shell-command-injection",
        message: `${site.name}() runs a shell command holding untrusted data; pass an argument list without shell=True`,
        node: site.node,
      });
    }
  },
};

const EVALS = new Set(["eval", "exec", "compile", "builtins.eval", "builtins.exec"]);

export const codeEvalRule: Rule = {
  id: "code-eval",
  onCall(site: CallSite, report: Report) {
    if (!EVALS.has(site.name) || !site.args[0]) return;
    if (!isTainted(site.taint(site.args[0]), K.CODE)) return;
    report({
      cwe: "CWE-94",
      rule: "eval-untrusted",
      message: `${site.name}() on untrusted data executes attacker code; use ast.literal_eval or a parser`,
      node: site.node,
    });
  },
};
