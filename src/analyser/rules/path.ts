// CWE-22: file paths joined from untrusted data without a containment check, and tar archives
// extracted without member filtering.
import type { CallSite, Report, Rule } from "../types.ts";
import { K, reaches } from "../types.ts";
import { TAR_CTORS, tarRisk } from "./tar.ts";

const FILE_CALLS = new Set([
  "open",
  "io.open",
  "codecs.open",
  "os.open",
  "builtins.open",
  "aiofiles.open",
  "flask.send_file",
  "send_file",
  "django.http.FileResponse",
  "FileResponse",
  "starlette.responses.FileResponse",
  "fastapi.responses.FileResponse",
  "os.remove",
  "os.unlink",
  "os.rmdir",
  "os.listdir",
  "os.scandir",
  "shutil.rmtree",
  "shutil.copy",
  "shutil.copyfile",
  "shutil.copy2",
  "shutil.move",
  "os.rename",
  "os.makedirs",
  "PIL.Image.open",
  "pandas.read_csv",
]);
/** Methods of pathlib.Path that touch the file system through the receiver. */
const PATH_METHODS = new Set([
  "read_text",
  "read_bytes",
  "write_text",
  "write_bytes",
  "unlink",
  "rmdir",
  "touch",
  "mkdir",
  "iterdir",
]);
export const pathRule: Rule = {
  id: "path",
  onCall(site: CallSite, report: Report) {
    const hitAt = (): boolean => {
      if (FILE_CALLS.has(site.name)) {
        const targets =
          site.name.startsWith("shutil.") || site.name === "os.rename" ? site.args.slice(0, 2) : site.args.slice(0, 1);
        const named = site.kwargs.get("file") ?? site.kwargs.get("path") ?? site.kwargs.get("path_or_file");
        if (named) targets.push(named);
        return targets.some((a) => reaches(site.taint(a), K.PATH));
      }
      if (site.receiver && (PATH_METHODS.has(site.method) || (site.method === "open" && site.args.length === 0))) {
        return reaches(site.taint(site.receiver), K.PATH);
      }
      // Image.open(path), upload.save(path); Django storages keep names inside their root themselves
      if (
        site.receiver &&
        (site.method === "open" || site.method === "save") &&
        site.args[0] &&
        !/storage/i.test(site.receiver.text)
      ) {
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
      if (why)
        report({
          cwe: "CWE-22",
          rule: "tar-extract",
          message: `tarfile ${site.method}() ${why}: archive entries can escape the target directory`,
          node: site.node,
        });
    }
  },
};
