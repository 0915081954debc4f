// CWE-611: XML parsers configured to resolve external entities.
// Python's own expat-based parsers (xml.etree, xml.dom.minidom, xml.dom.pulldom, xml.sax) do not fetch
// external general entities by default since 3.7.1, so calling them is NOT flagged; they are flagged
// only when a program switches entity resolution on (sax `feature_external_ges`/`_pes` set true).
// lxml resolves entities unless told otherwise, but we flag only explicit opt-ins
// (resolve_entities=True, no_network=False, load_dtd=True without resolve_entities=False), because
// lxml >= 5 no longer expands external entities by default.
import type { CallSite, Report, Rule } from "../types.ts";
import { dotted, isTrue, stringValue } from "../names.ts";

const LXML_PARSERS = new Set([
  "lxml.etree.XMLParser",
  "lxml.etree.XMLPullParser",
  "lxml.etree.XSLTParser",
  "lxml.objectify.makeparser",
]);
const EXTERNAL_FEATURES = /feature_external_(ges|pes)$|external-(general|parameter)-entities$/;

export const xmlRule: Rule = {
  id: "xml",
  onCall(site: CallSite, report: Report) {
    const hit = (why: string) =>
      report({
        cwe: "CWE-611",
        rule: "xml-external-entities",
        message: `${why}: external entities let a document read local files (XXE); use defusedxml`,
        node: site.node,
      });
    if (LXML_PARSERS.has(site.name) || (site.name.endsWith(".XMLParser") && site.name.startsWith("lxml"))) {
      const resolve = site.kwargs.get("resolve_entities");
      const noNet = site.kwargs.get("no_network");
      const dtd = site.kwargs.get("load_dtd");
      if (isTrue(resolve)) hit("lxml XMLParser(resolve_entities=True)");
      else if (noNet?.type === "false") hit("lxml XMLParser(no_network=False)");
      else if (isTrue(dtd) && resolve?.type !== "false") hit("lxml XMLParser(load_dtd=True) resolves entities");
      return;
    }
    if (site.method === "setFeature" && site.args.length >= 2) {
      const feature = dotted(site.args[0]) ?? stringValue(site.args[0]) ?? "";
      if (EXTERNAL_FEATURES.test(feature) && isTrue(site.args[1])) hit(`setFeature(${site.args[0].text}, True)`);
      return;
    }
    if (site.name === "xmltodict.parse" && site.kwargs.get("disable_entities")?.type === "false") {
      hit("xmltodict.parse(disable_entities=False)");
    }
  },
};
