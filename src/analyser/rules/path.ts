// CWE-22: file paths joined from untrusted data without a containment check, and tar archives
// extracted without member filtering.
import type { Node } from "web-tree-sitter";
import type { CallSite, Report, Rule } from "../types.ts";
import { K, reaches } from "../types.ts";

const FILE_CALLS = new Set([
  "open", "io.open", "codecs.open", "os.open", "builtins.open", "aiofiles.open",
  "flask.send_file", "send_file", "django.http.FileResponse", "FileResponse", "starlette.responses.FileResponse",
  "fastapi.responses.FileResponse", "os.remove", "os.unlink", "os.rmdir", "os.listdir", "os.scandir",
  "shutil.rmtree", "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "os.rename", "os.makedirs",
  "PIL.Image.open", "pandas.read_csv",
]);
/** Methods of pathlib.Path that touch the file system through the receiver. */
const PATH_METHODS = new Set(["read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "touch", "mkdir", "iterdir"]);
const TAR_CTORS = new Set(["tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open", "tarfile.TarFile.taropen"]);

/** A members filter is safe when it checks containment (.. and absolute names, or a resolved prefix) and links. */
const CONTAINS = /commonpath|is_relative_to|(realpath|abspath|resolve)[\s\S]*(startswith|commonpath|is_relative_to)|\.\.[\s\S]*(startswith\(\s*["']\/|isabs)|(startswith\(\s*["']\/|isabs)[\s\S]*\.\./;
const LINKS = /issym\(|islnk\(|isfile\(|isreg\(|\.type\b|linkname/;
const SAFE_FILTERS = /^(["'](data|tar)["']|(tarfile\.)?(data|tar)_filter)$/;

function judgeFilter(text: string): string | null {
  if (!CONTAINS.test(text)) return "with a members filter that does not keep paths inside the target";
  if (!LINKS.test(text)) return "with a members filter that lets links through";
  return null;
}

function functionNamed(from: Node, name: string): Node | null {
  let root: Node = from;
  while (root.parent) root = root.parent;
  return root.descendantsOfType("function_definition").find((f) => f.childForFieldName("name")?.text === name) ?? null;
}

/** Why an extract/extractall call is unsafe, or null. */
function tarRisk(site: CallSite): string | null {
  const filter = site.kwargs.get("filter");
  if (filter) {
    if (SAFE_FILTERS.test(filter.text)) return null;
    const fn = filter.type === "identifier" ? functionNamed(site.node, filter.text) : null;
    return fn ? judgeFilter(fn.text) : "with a filter that trusts every entry";
  }
  if (site.method === "extract") {
    // for m in tar.getmembers(): if <checks>: tar.extract(m, dest) -- judged by the enclosing function's checks
    let fn: Node | null = site.node.parent;
    while (fn && fn.type !== "function_definition") fn = fn.parent;
    const conds = (fn ?? site.node).descendantsOfType(["if_statement", "assert_statement"]).map((c) => c.childForFieldName("condition")?.text ?? c.text).join("\n");
    return judgeFilter(conds) ? "of an entry whose path and type are not both checked" : null;
  }
  const members = site.kwargs.get("members") ?? site.args[1];
  if (!members) return "without filter= or a checked members list";
  if (members.type === "call") {
    const callee = members.childForFieldName("function");
    if (callee?.type === "attribute" && callee.childForFieldName("attribute")?.text === "getmembers") return "of every member (getmembers() checks nothing)";
    const fn = callee?.type === "identifier" ? functionNamed(site.node, callee.text) : null;
    return fn ? judgeFilter(fn.text) : null;
  }
  if (/comprehension|generator/.test(members.type)) return judgeFilter(members.text);
  return null;
}

export const pathRule: Rule = {
  id: "path",
  onCall(site: CallSite, report: Report) {
    const hitAt = (): boolean => {
      if (FILE_CALLS.has(site.name)) {
        const targets = site.name.startsWith("shutil.") || site.name === "os.rename" ? site.args.slice(0, 2) : site.args.slice(0, 1);
        const named = site.kwargs.get("file") ?? site.kwargs.get("path") ?? site.kwargs.get("path_or_file");
        if (named) targets.push(named);
        return targets.some((a) => reaches(site.taint(a), K.PATH));
      }
      if (site.receiver && (PATH_METHODS.has(site.method) || (site.method === "open" && site.args.length === 0))) {
        return reaches(site.taint(site.receiver), K.PATH);
      }
      // Image.open(path), upload.save(path); Django storages keep names inside their root themselves
      if (site.receiver && (site.method === "open" || site.method === "save") && site.args[0] && !/storage/i.test(site.receiver.text)) {
        return reaches(site.taint(site.args[0]), K.PATH); // Image.open(path), upload.save(path)
      }
      return false;
    };
    if (hitAt()) {
      report({
        cwe: "CWE-22",
        rule: "path-traversal",
        message: `${site.name || site.method}() on a path built from untrusted data without a containment check (realpath + startswith, safe_join or secure_filename)`,
        node: site.node,
      });
      return;
    }
    if ((site.method === "extractall" || site.method === "extract") && site.receiver) {
      const isTar = site.receiverType ? TAR_CTORS.has(site.receiverType) : /tar/i.test(site.receiver.text);
      if (!isTar) return;
      const why = tarRisk(site);
      if (why) report({ cwe: "CWE-22", rule: "tar-extract", message: `tarfile ${site.method}() ${why}: archive entries can escape the target directory`, node: site.node });
    }
  },
};
