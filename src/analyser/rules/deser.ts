// CWE-502: deserialising untrusted data with formats that can build arbitrary objects.
import type { CallSite, Report, Rule } from "../types.ts";
import { K, isTainted } from "../types.ts";
import { dotted } from "../names.ts";

const UNSAFE = new Set([
  "pickle.loads",
  "pickle.load",
  "pickle.Unpickler",
  "cPickle.loads",
  "cPickle.load",
  "_pickle.loads",
  "_pickle.load",
  "dill.loads",
  "dill.load",
  "marshal.loads",
  "marshal.load",
  "jsonpickle.decode",
  "pandas.read_pickle",
  "joblib.load",
  "torch.load",
  "shelve.open",
  "yaml.unsafe_load",
  "yaml.unsafe_load_all",
  "yaml.full_load",
  "yaml.full_load_all",
]);
const YAML_LOAD = new Set(["yaml.load", "yaml.load_all"]);
const SAFE_LOADER = /(^|\.)(SafeLoader|CSafeLoader|BaseLoader|CBaseLoader)$/;

export const deserRule: Rule = {
  id: "deser",
  onCall(site: CallSite, report: Report) {
    const data = site.args[0] ?? site.kwargs.get("stream") ?? site.kwargs.get("data") ?? site.kwargs.get("file");
    if (!data || !isTainted(site.taint(data), K.CODE)) return;
    // torch.load(weights_only=True) refuses anything but tensors and plain containers
    if (site.name === "torch.load" && site.kwargs.get("weights_only")?.type === "true") return;
    if (UNSAFE.has(site.name)) {
      report({
        cwe: "CWE-502",
        rule: "unsafe-deserialization",
        message: `${site.name}() on untrusted data can execute code; use json or yaml.safe_load`,
        node: site.node,
      });
    } else if (YAML_LOAD.has(site.name)) {
      const loader = site.kwargs.get("Loader") ?? site.args[1] ?? null;
      const name = loader ? (dotted(loader) ?? loader.text) : "";
      if (!loader || !SAFE_LOADER.test(name)) {
        report({
          cwe: "CWE-502",
          rule: "yaml-unsafe-loader",
          message: loader
            ? `${site.name}() with Loader=${name} on untrusted data can build arbitrary objects; use yaml.safe_load`
            : `${site.name}() without a safe Loader on untrusted data; use yaml.safe_load`,
          node: site.node,
        });
      }
    }
  },
};
